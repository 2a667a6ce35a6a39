CUDA plan: 12 launch(es), 5 kernel(s), 10 scratch double(s); nvcc --fmad=false
  kiln_read_f32<<<1, 1>>>(buf0, slots, 0)  // s0 = buf0[0]
  kiln_read_f32<<<1, 1>>>(buf2, slots, 1)  // s1 = buf2[0]
  kiln_read_f32<<<1, 1>>>(buf3, slots, 2)  // s2 = buf3[0]
  kiln_read_f32<<<1, 1>>>(buf4, slots, 3)  // s3 = buf4[0]
  k0_before<<<1, 1>>>(slots)  // the scalar prologue of k0
  k0<<<2, 256>>>(buf1, buf5, slots, scratch)  // the loop of k0 over [2000], 5 reduction(s) into 2 block partial(s) each
  k0_after<<<1, 1>>>(slots, scratch)  // the reductions of k0 (block partials in block order) and its scalar epilogue
  kiln_write_f32<<<1, 1>>>(slots, 5, buf6)  // buf6[0] = s5
  kiln_write_f32<<<1, 1>>>(slots, 14, buf7)  // buf7[0] = s14
  kiln_write_f32<<<1, 1>>>(slots, 12, buf8)  // buf8[0] = s12
  kiln_write_f32<<<1, 1>>>(slots, 16, buf9)  // buf9[0] = s16
  kiln_write_f32<<<1, 1>>>(slots, 18, buf10)  // buf10[0] = s18
// Kiln CUDA module: 1 fused loop kernel(s), 0 scalar-only kernel(s), 0 op(s) run by the interpreter
// ---- Kiln device helpers (the same text in every module) ----
#ifndef KILN_ENTRY
#define KILN_ENTRY extern "C" __global__
#endif
#define KILN_BLOCK 256

/** A strided view passed by value: element i (row-major over shape) is at offset + sum(coord[d] * strides[d]). */
struct KilnView {
    int rank;
    long long shape[8];
    long long strides[8];
    long long offset;
};

static __device__ __forceinline__ long long kiln_at(const KilnView& v, long long i) {
    long long off = v.offset;
    for (int d = v.rank - 1; d >= 0; d--) {
        off += (i % v.shape[d]) * v.strides[d];
        i /= v.shape[d];
    }
    return off;
}

/** Rounds to float32 and back, as the interpreter stores a float32 value. */
static __device__ __forceinline__ double kiln_f32(double x) { return (double) (float) x; }

static __device__ __forceinline__ double kiln_bool(bool b) { return b ? 1.0 : 0.0; }

/** Java's Math.max: NaN if either is NaN, +0 above -0. */
static __device__ __forceinline__ double kiln_max(double a, double b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0 && b == 0.0) return signbit(a) ? b : a;
    return a >= b ? a : b;
}

/** Java's Math.min. */
static __device__ __forceinline__ double kiln_min(double a, double b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0 && b == 0.0) return signbit(a) ? a : b;
    return a <= b ? a : b;
}

/** a^b as Semantics.pow: integral exponents up to 16 by squaring, others by pow (with Java's NaN cases). */
static __device__ double kiln_pow(double a, double b) {
    if (fabs(b) <= 16.0 && b == (double) (int) b) {
        int n = (int) fabs(b);
        double r = 1.0;
        double base = a;
        while (n > 0) {
            if (n & 1) r *= base;
            base *= base;
            n >>= 1;
        }
        return b < 0 ? 1.0 / r : r;
    }
    if (b != b) return b;
    if (fabs(a) == 1.0 && isinf(b)) return b - b;
    return pow(a, b);
}

/** Java's (long) conversion: NaN to 0, saturating at the ends. */
static __device__ __forceinline__ long long kiln_to_long(double x) {
    if (x != x) return 0;
    if (x >= 9223372036854775807.0) return 9223372036854775807LL;
    if (x <= -9223372036854775807.0 - 1.0) return -9223372036854775807LL - 1;
    return (long long) x;
}

// Integer arithmetic wraps, as Java's long does.
static __device__ __forceinline__ long long kiln_ladd(long long a, long long b) {
    return (long long) ((unsigned long long) a + (unsigned long long) b);
}
static __device__ __forceinline__ long long kiln_lsub(long long a, long long b) {
    return (long long) ((unsigned long long) a - (unsigned long long) b);
}
static __device__ __forceinline__ long long kiln_lmul(long long a, long long b) {
    return (long long) ((unsigned long long) a * (unsigned long long) b);
}
static __device__ __forceinline__ long long kiln_lneg(long long a) { return kiln_lsub(0, a); }
static __device__ __forceinline__ long long kiln_labs(long long a) { return a < 0 ? kiln_lneg(a) : a; }
static __device__ __forceinline__ long long kiln_lmax(long long a, long long b) { return a > b ? a : b; }
static __device__ __forceinline__ long long kiln_lmin(long long a, long long b) { return a < b ? a : b; }

/** Records the first error of a run: status[0] = tag + 1 (the plan step), status[1] = the offending value. */
static __device__ void kiln_fail(unsigned long long* status, int tag, long long value) {
    if (atomicCAS(status, 0ULL, (unsigned long long) (tag + 1)) == 0ULL) status[1] = (unsigned long long) value;
}

/** Integer power by squaring; a negative exponent is an error (as in Java). */
static __device__ long long kiln_lpow(long long base, long long e, unsigned long long* status, int tag) {
    if (e < 0) {
        kiln_fail(status, tag, e);
        return 0;
    }
    long long r = 1;
    while (e > 0) {
        if (e & 1) r = kiln_lmul(r, base);
        base = kiln_lmul(base, base);
        e >>= 1;
    }
    return r;
}

// Stores convert as the interpreter's storage does.
static __device__ __forceinline__ void kiln_store(float* p, long long i, double v) { p[i] = (float) v; }
static __device__ __forceinline__ void kiln_store(double* p, long long i, double v) { p[i] = v; }
static __device__ __forceinline__ void kiln_store(long long* p, long long i, double v) { p[i] = kiln_to_long(v); }
static __device__ __forceinline__ void kiln_store(int* p, long long i, double v) { p[i] = (int) kiln_to_long(v); }
static __device__ __forceinline__ void kiln_store(unsigned char* p, long long i, double v) { p[i] = v != 0.0; }
static __device__ __forceinline__ void kiln_store(long long* p, long long i, long long v) { p[i] = v; }
static __device__ __forceinline__ void kiln_store(int* p, long long i, long long v) { p[i] = (int) v; }
static __device__ __forceinline__ void kiln_store(unsigned char* p, long long i, long long v) { p[i] = v != 0; }

static __device__ __forceinline__ double kiln_combine(double a, double b, bool max) { return max ? kiln_max(a, b) : a + b; }
static __device__ __forceinline__ long long kiln_combine(long long a, long long b, bool max) {
    return max ? kiln_lmax(a, b) : kiln_ladd(a, b);
}

/**
 * Sum (or max) of one value per thread of a KILN_BLOCK-thread block, by a fixed tree over shared
 * memory {@code red}: the same order on every device. Every thread of the block must call it.
 */
template <typename T>
static __device__ T kiln_block_reduce(T* red, T v, bool max) {
    red[threadIdx.x] = v;
    __syncthreads();
    for (int s = KILN_BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] = kiln_combine(red[threadIdx.x], red[threadIdx.x + s], max);
        __syncthreads();
    }
    T r = red[0];
    __syncthreads();
    return r;
}

/** Word {@code index} of the Philox4x32-10 stream of {@code seed} (Generator.word). */
static __device__ unsigned int kiln_philox(long long seed, long long index) {
    unsigned long long block = (unsigned long long) index >> 2;
    unsigned int c0 = (unsigned int) block, c1 = (unsigned int) (block >> 32), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int) seed, k1 = (unsigned int) ((unsigned long long) seed >> 32);
    for (int round = 0; round < 10; round++) {
        unsigned long long p0 = 0xD2511F53ULL * c0;
        unsigned long long p1 = 0xCD9E8D57ULL * c2;
        unsigned int n0 = (unsigned int) (p1 >> 32) ^ c1 ^ k0;
        unsigned int n1 = (unsigned int) p1;
        unsigned int n2 = (unsigned int) (p0 >> 32) ^ c3 ^ k1;
        unsigned int n3 = (unsigned int) p0;
        c0 = n0;
        c1 = n1;
        c2 = n2;
        c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    int w = (int) (index & 3);
    return w == 0 ? c0 : w == 1 ? c1 : w == 2 ? c2 : c3;
}

/** Generator.uniform: 24 bits for float32, 53 for float64. */
static __device__ double kiln_uniform(long long seed, long long offset, long long i, bool f32) {
    unsigned long long w1 = kiln_philox(seed, offset + 2 * i);
    if (f32) return (double) (w1 >> 8) * 0x1.0p-24;
    unsigned long long w2 = kiln_philox(seed, offset + 2 * i + 1);
    return ((double) (w1 >> 5) * 67108864.0 + (double) (w2 >> 6)) * 0x1.0p-53;
}

/** Generator.normal: Box-Muller on the element's two words. */
static __device__ double kiln_normal(long long seed, long long offset, long long i) {
    double u1 = kiln_philox(seed, offset + 2 * i) * 0x1.0p-32;
    double u2 = kiln_philox(seed, offset + 2 * i + 1) * 0x1.0p-32;
    return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * 3.141592653589793 * u2);
}
// ---- end of helpers ----

// a one-element buffer read into a scalar slot
KILN_ENTRY void kiln_read_f32(const float* x, double* slots, int slot) {
    slots[slot] = (double) x[0];
}

// the scalar prologue of k0
KILN_ENTRY void k0_before(double* slots) {
    {
        const double t0 = 2.0;
        slots[4] = t0;
    }
    {
        const double t0 = 9.999999974752427E-7;
        slots[10] = t0;
    }
}

// the loop of k0 over [2000], 5 reduction(s) into 2 block partial(s) each
KILN_ENTRY void k0(const float* b1, const float* b5, const double* slots, double* scratch) {
    const double s0 = slots[0];
    const double s1 = slots[1];
    const double s2 = slots[2];
    const double s3 = slots[3];
    double r0 = 0.0;
    double r1 = 0.0;
    double r2 = 0.0;
    double r3 = 0.0;
    double r4 = 0.0;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2000LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = s0;
        const double v1 = (double) b1[i];
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = s1;
        const double v4 = kiln_f32((v3 + v2));
        const double v5 = kiln_f32((v1 * v1));
        const double v6 = s2;
        const double v7 = kiln_f32((v6 * v5));
        const double v8 = kiln_f32((v4 + v7));
        const double v9 = kiln_f32((v5 * v1));
        const double v10 = s3;
        const double v11 = kiln_f32((v10 * v9));
        const double v12 = kiln_f32((v8 + v11));
        const double v13 = (double) b5[i];
        const double v14 = kiln_f32((v12 - v13));
        const double v15 = kiln_f32((v14 * v14));
        const double v16 = 2.0;
        const double v17 = kiln_f32((v16 * v14));
        const double v18 = kiln_f32((v17 * v9));
        const double v19 = kiln_f32((v17 * v5));
        const double v20 = kiln_f32((v17 * v1));
        r0 += v15;
        r1 += v18;
        r2 += v19;
        r3 += v17;
        r4 += v20;
    }
    __shared__ double red[KILN_BLOCK];
    r0 = kiln_block_reduce(red, r0, false);
    r1 = kiln_block_reduce(red, r1, false);
    r2 = kiln_block_reduce(red, r2, false);
    r3 = kiln_block_reduce(red, r3, false);
    r4 = kiln_block_reduce(red, r4, false);
    if (threadIdx.x == 0) {
        scratch[0 + blockIdx.x] = r0;
        scratch[2 + blockIdx.x] = r1;
        scratch[4 + blockIdx.x] = r2;
        scratch[6 + blockIdx.x] = r3;
        scratch[8 + blockIdx.x] = r4;
    }
}

// the reductions of k0 (block partials in block order) and its scalar epilogue
KILN_ENTRY void k0_after(double* slots, const double* scratch) {
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[0 + b], false);
        }
        slots[5] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[2 + b], false);
        }
        slots[6] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[4 + b], false);
        }
        slots[7] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[6 + b], false);
        }
        slots[8] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[8 + b], false);
        }
        slots[9] = kiln_f32(t);
    }
    {
        const double t0 = slots[8];
        const double t1 = slots[10];
        const double t2 = kiln_f32((t0 * t1));
        slots[11] = t2;
    }
    {
        const double t0 = slots[1];
        const double t1 = slots[11];
        const double t2 = kiln_f32((t0 - t1));
        slots[12] = t2;
    }
    {
        const double t0 = slots[9];
        const double t1 = slots[10];
        const double t2 = kiln_f32((t0 * t1));
        slots[13] = t2;
    }
    {
        const double t0 = slots[0];
        const double t1 = slots[13];
        const double t2 = kiln_f32((t0 - t1));
        slots[14] = t2;
    }
    {
        const double t0 = slots[7];
        const double t1 = slots[10];
        const double t2 = kiln_f32((t0 * t1));
        slots[15] = t2;
    }
    {
        const double t0 = slots[2];
        const double t1 = slots[15];
        const double t2 = kiln_f32((t0 - t1));
        slots[16] = t2;
    }
    {
        const double t0 = slots[6];
        const double t1 = slots[10];
        const double t2 = kiln_f32((t0 * t1));
        slots[17] = t2;
    }
    {
        const double t0 = slots[3];
        const double t1 = slots[17];
        const double t2 = kiln_f32((t0 - t1));
        slots[18] = t2;
    }
}

// a scalar slot written into a one-element buffer
KILN_ENTRY void kiln_write_f32(const double* slots, int slot, float* out) {
    kiln_store(out, 0, slots[slot]);
}
