// ---- Kiln device helpers (the same text in every module; [[maybe_unused]]: a module uses some) ----
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

[[maybe_unused]] static __device__ __forceinline__ long long kiln_at(const KilnView& v, long long i) {
    long long off = v.offset;
    for (int d = v.rank - 1; d >= 0; d--) {
        off += (i % v.shape[d]) * v.strides[d];
        i /= v.shape[d];
    }
    return off;
}

/** Rounds to float32 and back, as the interpreter stores a float32 value. */
[[maybe_unused]] static __device__ __forceinline__ double kiln_f32(double x) { return (double) (float) x; }

[[maybe_unused]] static __device__ __forceinline__ double kiln_bool(bool b) { return b ? 1.0 : 0.0; }

/** Java's Math.max: NaN if either is NaN, +0 above -0. */
[[maybe_unused]] static __device__ __forceinline__ double kiln_max(double a, double b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0 && b == 0.0) return signbit(a) ? b : a;
    return a >= b ? a : b;
}

/** Java's Math.min. */
[[maybe_unused]] static __device__ __forceinline__ double kiln_min(double a, double b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0 && b == 0.0) return signbit(a) ? a : b;
    return a <= b ? a : b;
}

/** a^b as Semantics.pow: integral exponents up to 16 by squaring, others by pow (with Java's NaN cases). */
[[maybe_unused]] static __device__ double kiln_pow(double a, double b) {
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
[[maybe_unused]] static __device__ __forceinline__ long long kiln_to_long(double x) {
    if (x != x) return 0;
    if (x >= 9223372036854775807.0) return 9223372036854775807LL;
    if (x <= -9223372036854775807.0 - 1.0) return -9223372036854775807LL - 1;
    return (long long) x;
}

// Integer arithmetic wraps, as Java's long does.
[[maybe_unused]] static __device__ __forceinline__ long long kiln_ladd(long long a, long long b) {
    return (long long) ((unsigned long long) a + (unsigned long long) b);
}
[[maybe_unused]] static __device__ __forceinline__ long long kiln_lsub(long long a, long long b) {
    return (long long) ((unsigned long long) a - (unsigned long long) b);
}
[[maybe_unused]] static __device__ __forceinline__ long long kiln_lmul(long long a, long long b) {
    return (long long) ((unsigned long long) a * (unsigned long long) b);
}
[[maybe_unused]] static __device__ __forceinline__ long long kiln_lneg(long long a) { return kiln_lsub(0, a); }
[[maybe_unused]] static __device__ __forceinline__ long long kiln_labs(long long a) { return a < 0 ? kiln_lneg(a) : a; }
[[maybe_unused]] static __device__ __forceinline__ long long kiln_lmax(long long a, long long b) { return a > b ? a : b; }
[[maybe_unused]] static __device__ __forceinline__ long long kiln_lmin(long long a, long long b) { return a < b ? a : b; }

/** Records the first error of a run: status[0] = tag + 1 (the plan step), status[1] = the offending value. */
[[maybe_unused]] static __device__ void kiln_fail(unsigned long long* status, int tag, long long value) {
    if (atomicCAS(status, 0ULL, (unsigned long long) (tag + 1)) == 0ULL) status[1] = (unsigned long long) value;
}

/** Integer power by squaring; a negative exponent is an error (as in Java). */
[[maybe_unused]] static __device__ long long kiln_lpow(long long base, long long e, unsigned long long* status, int tag) {
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
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(float* p, long long i, double v) { p[i] = (float) v; }
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(double* p, long long i, double v) { p[i] = v; }
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(long long* p, long long i, double v) { p[i] = kiln_to_long(v); }
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(int* p, long long i, double v) { p[i] = (int) kiln_to_long(v); }
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(unsigned char* p, long long i, double v) { p[i] = v != 0.0; }
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(long long* p, long long i, long long v) { p[i] = v; }
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(int* p, long long i, long long v) { p[i] = (int) v; }
[[maybe_unused]] static __device__ __forceinline__ void kiln_store(unsigned char* p, long long i, long long v) { p[i] = v != 0; }

[[maybe_unused]] static __device__ __forceinline__ double kiln_combine(double a, double b, bool max) { return max ? kiln_max(a, b) : a + b; }
[[maybe_unused]] static __device__ __forceinline__ long long kiln_combine(long long a, long long b, bool max) {
    return max ? kiln_lmax(a, b) : kiln_ladd(a, b);
}

/**
 * Sum (or max) of one value per thread of a KILN_BLOCK-thread block, by a fixed tree over shared
 * memory {@code red}: the same order on every device. Every thread of the block must call it.
 */
template <typename T>
[[maybe_unused]] static __device__ T kiln_block_reduce(T* red, T v, bool max) {
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
[[maybe_unused]] static __device__ unsigned int kiln_philox(long long seed, long long index) {
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
[[maybe_unused]] static __device__ double kiln_uniform(long long seed, long long offset, long long i, bool f32) {
    unsigned long long w1 = kiln_philox(seed, offset + 2 * i);
    if (f32) return (double) (w1 >> 8) * 0x1.0p-24;
    unsigned long long w2 = kiln_philox(seed, offset + 2 * i + 1);
    return ((double) (w1 >> 5) * 67108864.0 + (double) (w2 >> 6)) * 0x1.0p-53;
}

/** Generator.normal: Box-Muller on the element's two words. */
[[maybe_unused]] static __device__ double kiln_normal(long long seed, long long offset, long long i) {
    double u1 = kiln_philox(seed, offset + 2 * i) * 0x1.0p-32;
    double u2 = kiln_philox(seed, offset + 2 * i + 1) * 0x1.0p-32;
    return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * 3.141592653589793 * u2);
}
// ---- end of helpers ----
