// ---- Kiln device helpers in float (FAST precision: float32 values computed in float) ----

/** Java's Math.max on floats: NaN if either is NaN, +0 above -0. */
[[maybe_unused]] static __device__ __forceinline__ float kiln_max(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0f && b == 0.0f) return signbit(a) ? b : a;
    return a >= b ? a : b;
}

/** Java's Math.min on floats. */
[[maybe_unused]] static __device__ __forceinline__ float kiln_min(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0f && b == 0.0f) return signbit(a) ? a : b;
    return a <= b ? a : b;
}

/** kiln_pow in float: integral exponents up to 16 by squaring, others by powf (with Java's NaN cases). */
[[maybe_unused]] static __device__ float kiln_powf(float a, float b) {
    if (fabsf(b) <= 16.0f && b == (float) (int) b) {
        int n = (int) fabsf(b);
        float r = 1.0f;
        float base = a;
        while (n > 0) {
            if (n & 1) r *= base;
            base *= base;
            n >>= 1;
        }
        return b < 0.0f ? 1.0f / r : r;
    }
    if (b != b) return b;
    if (fabsf(a) == 1.0f && isinf(b)) return b - b;
    return powf(a, b);
}

[[maybe_unused]] static __device__ __forceinline__ float kiln_combine(float a, float b, bool max) { return max ? kiln_max(a, b) : a + b; }

/** Generator.normal in float: Box-Muller on the element's two words (1 - u1 is exact in double, so never 0). */
[[maybe_unused]] static __device__ float kiln_normalf(long long seed, long long offset, long long i) {
    float v1 = (float) (1.0 - kiln_philox(seed, offset + 2 * i) * 0x1.0p-32);
    float u2 = (float) (kiln_philox(seed, offset + 2 * i + 1) * 0x1.0p-32);
    return sqrtf(-2.0f * logf(v1)) * cosf(6.28318530717958648f * u2);
}
// ---- end of float helpers ----
