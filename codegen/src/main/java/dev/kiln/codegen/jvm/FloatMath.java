package dev.kiln.codegen.jvm;

/**
 * The float32 exp (and erf, below) that kernels call, in the exact operation sequence of {@link VectorMath#exp}, so
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

    /**
     * The sum of {@code count} float64 lanes (a power of two) from {@code lanes[from]} as a vector loop adds them
     * ({@link VectorMath#SWAP8_4}): halves added lane by lane (lane i and lane i + count/2), then the halves of that, down to one —
     * for eight lanes ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). Overwrites the lanes (the scalar form of a
     * vector loop zeroes them next).
     */
    public static double laneSum(double[] lanes, int from, int count) {
        for (int half = count / 2; half >= 1; half /= 2) {
            for (int i = from; i < from + half; i++) {
                lanes[i] = lanes[i] + lanes[i + half];
            }
        }
        return lanes[from];
    }

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

    /** erf(x)/x ≈ P(t)/Q(t), t = (x/4)², over |x| ≤ 4: bench/fit_float_erf.py's fit, relative error 9.3e−10. */
    static final double[] ERF_P = {1.1283791681455404, 2.6704393698182667, 13.040218346542945, 12.10767344739851,
        20.038091872950968, -0.30287142357411045, -0.7523074725390148};
    static final double[] ERF_Q = {1.0, 7.6999492264819835, 27.022920474186353, 55.26043374283708, 68.1478774127275,
        42.99101087086997, -10.403695357862434};

    /**
     * The float32 erf that kernels call (the reference's series runs up to dozens of divisions an element): |x|
     * clamped to 4 (beyond it erf rounds to ±1 in float32), then x·P/Q in double, rounded once. Within 1 ulp of the
     * correctly rounded value (FloatErfTest); NaN stays NaN, −0 stays −0.
     *
     * @param x the argument
     * @return erf(x) in float32
     */
    public static float erf(float x) {
        double a = Math.min(Math.abs((double) x), 4.0);
        double t = a * a * 0.0625;
        double p = ERF_P[6];
        double q = ERF_Q[6];
        for (int i = 5; i >= 0; i--) {
            p = p * t + ERF_P[i];
            q = q * t + ERF_Q[i];
        }
        return (float) Math.copySign(a * p / q, x);
    }
}
