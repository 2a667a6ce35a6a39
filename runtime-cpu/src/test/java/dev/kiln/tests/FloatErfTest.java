package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.codegen.jvm.FloatMath;
import dev.kiln.ir.Semantics;
import org.junit.jupiter.api.Test;

/**
 * The kernels' float32 erf is within 1 ulp of erf rounded to float32 (the reference's double erf, rounded) over every
 * 1009th float from −5 to 5, every 7th from 0.4 to 4.1 (where the fit is hardest) and every 10007th below 1e−3, and
 * keeps NaN, ±0 and ±∞ as erf does.
 */
class FloatErfTest {
    @Test
    void withinOneUlpEverywhereAndRightAtTheEdges() {
        int worst = 0;
        long[][] walks = {{Float.floatToRawIntBits(-5f), Integer.MIN_VALUE, -1009}, {0, Float.floatToRawIntBits(5f), 1009},
            {0, Float.floatToRawIntBits(1e-3f), 10007}, {Float.floatToRawIntBits(0.4f), Float.floatToRawIntBits(4.1f), 7}};
        for (long[] w : walks) {
            for (long b = w[0]; w[2] < 0 ? b > w[1] : b < w[1]; b += w[2]) {
                float x = Float.intBitsToFloat((int) b);
                float expected = (float) Semantics.erf(x);
                float got = FloatMath.erf(x);
                int ulps = Math.abs(Float.floatToRawIntBits(got) - Float.floatToRawIntBits(expected));
                worst = Math.max(worst, ulps);
                assertTrue(ulps <= 1, "erf(" + x + "): " + got + " against " + expected);
            }
        }
        System.out.println("FloatMath.erf: worst " + worst + " ulps");
        assertEquals(0f, FloatMath.erf(0f));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatMath.erf(-0f)));
        assertEquals(1f, FloatMath.erf(Float.POSITIVE_INFINITY));
        assertEquals(-1f, FloatMath.erf(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.erf(Float.NaN)));
        assertEquals(1f, FloatMath.erf(3.95f));
    }

    /**
     * GELU, 0.5·x·(1 + erf(x/√2)), in float32 compiled: erf's ulp of error (2⁻²⁴ near ±1) reaches the result as
     * 0.5·|x|·2⁻²⁴ where 1 + erf cancels (x below −1); so within |x|·2⁻²³ plus 4 ulps of the float64 GELU.
     */
    @Test
    void aCompiledFloat32GeluStaysWithinWhatAnUlpOfErfAllows() {
        Tensor x = Tensor.randn(4096).mul(3);
        Tensor expected = dev.kiln.nn.Functional.gelu(x.to(DType.FLOAT64)).to(DType.FLOAT32);
        Tensor got = Kiln.compile(in -> dev.kiln.nn.Functional.gelu(in[0])).call(x);
        float[] e = expected.toFloatArray();
        float[] g = got.toFloatArray();
        float[] in = x.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], Math.abs(in[i]) * 0x1p-23f + 4 * Math.ulp(Math.abs(e[i])), "gelu(" + in[i] + ")");
        }
    }
}
