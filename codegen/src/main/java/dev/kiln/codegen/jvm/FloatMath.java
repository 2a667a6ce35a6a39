package dev.kiln.codegen.jvm;

/**
 * The float32 exp that kernels call, in the exact operation sequence of {@link VectorMath#exp}, so
 * a loop's scalar and vector forms give the same bits: the argument clamped to [−104, 89], n = x·log₂e
 * rounded to nearest (by adding and subtracting 1.5·2²³), r = x − n·ln2 in two parts (Cody–Waite), e^r
 * by its Taylor polynomial of degree 7 (|r| ≤ 0.35: truncation 5e−9), scaled by 2^⌊n/2⌋·2^(n−⌊n/2⌋) so
 * that neither factor overflows. Within 2 ulps of the correctly rounded value (FloatExpTest); NaN stays
 * NaN, ±∞ give ∞ and 0. Called from generated code (public for that), not meant for users.
 */
public final class FloatMath {
    private FloatMath() {
    }

    static final float LOG2E = 1.44269504088896341f;
    static final float MAGIC = 12582912f; // 1.5 * 2^23: adding and subtracting it rounds to an integer
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float[] C = {1 / 5040f, 1 / 720f, 1 / 120f, 1 / 24f, 1 / 6f, 0.5f, 1f, 1f};

    public static float exp(float x) {
        float c = Math.max(Math.min(x, 89f), -104f);
        float fn = c * LOG2E + MAGIC - MAGIC;
        float r = c - fn * LN2_HI - fn * LN2_LO;
        float p = C[0];
        for (int i = 1; i < C.length; i++) {
            p = p * r + C[i];
        }
        int n = (int) fn;
        int e1 = n >> 1;
        int e2 = n - e1;
        return p * Float.intBitsToFloat((e1 + 127) << 23) * Float.intBitsToFloat((e2 + 127) << 23);
    }
}
