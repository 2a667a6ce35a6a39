CUDA plan: 3 launch(es), 3 kernel(s), 0 scratch double(s); nvcc --fmad=false
  k0_before<<<1, 1>>>(slots)  // the scalar prologue of k0
  g0<<<(2, 4, 1), (16, 16, 1)>>>(buf0, buf1, buf2, buf5, buf6)  // GEMM [256, 128] = [256, 64] @ [64, 128] with the fused epilogue k0
  g1<<<(1, 4, 1), (16, 16, 1)>>>(buf3, buf4, buf6, buf7, buf8)  // GEMM [256, 10] = [256, 128] @ [128, 10] with the fused epilogue k1
// Kiln CUDA module: 0 fused loop kernel(s), 0 scalar-only kernel(s), 2 GEMM(s) (2 with a fused epilogue), 0 op(s) run by the interpreter
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

// the scalar prologue of k0
KILN_ENTRY void k0_before(double* slots) {
    {
        const double t0 = 0.0;
        slots[0] = t0;
    }
}

// GEMM [256, 128] = [256, 64] @ [64, 128] with the fused epilogue k0
KILN_ENTRY void g0(const float* b0, const float* b1, const float* b2, float* b5, float* b6) {
    __shared__ double as[16][64];
    __shared__ double bs[16][64];
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int t = ty * 16 + tx;
    const long long z = blockIdx.z;
    const long long aBase = 0;
    const long long bBase = 0;
    const long long cBase = z * 32768LL;
    const long long row0 = (long long) blockIdx.y * 64;
    const long long col0 = (long long) blockIdx.x * 64;
    double acc[4][4] = {{0.0}};
    for (long long k0 = 0; k0 < 64LL; k0 += 16) {
        for (int q = 0; q < 4; q++) {
            const int at = t + 256 * q;
            const long long ar = row0 + (at >> 4), ak = k0 + (at & 15);
            as[at & 15][at >> 4] = ar < 256 && ak < 64 ? (double) b0[aBase + ar * 64LL + ak * 1LL] : 0.0;
            const long long bk = k0 + (at >> 6), bc = col0 + (at & 63);
            bs[at >> 6][at & 63] = bk < 64 && bc < 128 ? (double) b1[bBase + bk * 1LL + bc * 64LL] : 0.0;
        }
        __syncthreads();
        const int depth = 64 - k0 < 16 ? (int) (64 - k0) : 16;
        for (int kk = 0; kk < depth; kk++) {
            double x[4], y[4];
            for (int i = 0; i < 4; i++) {
                x[i] = as[kk][ty + 16 * i];
                y[i] = bs[kk][tx + 16 * i];
            }
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    acc[i][j] += x[i] * y[j];
                }
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            const long long c0 = row0 + ty + 16 * i;
            const long long c1 = col0 + tx + 16 * j;
            if (c0 < 256 && c1 < 128) {
                const long long p = c0 * 128 + c1;
                kiln_store(b5, cBase + p, acc[i][j]);
                const double v0 = (double) b5[p];
                const double v1 = (double) b2[c1];
                const double v2 = kiln_f32((v0 + v1));
                const double v3 = 0.0;
                const double v4 = kiln_bool(v2 > v3);
                const double v5 = kiln_f32((v4 != 0 ? v2 : v3));
                kiln_store(b6, p, v5);
            }
        }
    }
}

// GEMM [256, 10] = [256, 128] @ [128, 10] with the fused epilogue k1
KILN_ENTRY void g1(const float* b3, const float* b4, const float* b6, float* b7, float* b8) {
    __shared__ double as[16][64];
    __shared__ double bs[16][64];
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int t = ty * 16 + tx;
    const long long z = blockIdx.z;
    const long long aBase = 0;
    const long long bBase = 0;
    const long long cBase = z * 2560LL;
    const long long row0 = (long long) blockIdx.y * 64;
    const long long col0 = (long long) blockIdx.x * 64;
    double acc[4][4] = {{0.0}};
    for (long long k0 = 0; k0 < 128LL; k0 += 16) {
        for (int q = 0; q < 4; q++) {
            const int at = t + 256 * q;
            const long long ar = row0 + (at >> 4), ak = k0 + (at & 15);
            as[at & 15][at >> 4] = ar < 256 && ak < 128 ? (double) b6[aBase + ar * 128LL + ak * 1LL] : 0.0;
            const long long bk = k0 + (at >> 6), bc = col0 + (at & 63);
            bs[at >> 6][at & 63] = bk < 128 && bc < 10 ? (double) b3[bBase + bk * 1LL + bc * 128LL] : 0.0;
        }
        __syncthreads();
        const int depth = 128 - k0 < 16 ? (int) (128 - k0) : 16;
        for (int kk = 0; kk < depth; kk++) {
            double x[4], y[4];
            for (int i = 0; i < 4; i++) {
                x[i] = as[kk][ty + 16 * i];
                y[i] = bs[kk][tx + 16 * i];
            }
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    acc[i][j] += x[i] * y[j];
                }
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            const long long c0 = row0 + ty + 16 * i;
            const long long c1 = col0 + tx + 16 * j;
            if (c0 < 256 && c1 < 10) {
                const long long p = c0 * 10 + c1;
                kiln_store(b7, cBase + p, acc[i][j]);
                const double v0 = (double) b7[p];
                const double v1 = (double) b4[c1];
                const double v2 = kiln_f32((v0 + v1));
                kiln_store(b8, p, v2);
            }
        }
    }
}
