package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Eager powers of large tensors compile a whole exponent from 1 to 16 into the kernel (forward) and
 * into the cached gradient plan (backward), and bind a broadcast scalar as one element: values and
 * gradients against float64 formulas, for exponents folded and not (fractional, negative, an exponent
 * that itself needs a gradient), one after another so a plan cached for one exponent never serves
 * another.
 */
class EagerPowerTest {
    /** Above the sizes eager ops leave to the interpreter and the size where loops go vector at once. */
    private static final int N = 40_000;

    @Test
    void wholeExponentsGiveTheirValuesAndGradients() {
        for (double k : new double[] {2, 3, 1, 2, 5, 16, 3}) {
            Tensor x = Tensor.linspace(0.25, 1.25, N).requiresGrad_(true);
            Tensor y = x.pow(k);
            y.sum().backward();
            float[] xs = x.detach().toFloatArray();
            float[] ys = y.detach().toFloatArray();
            float[] gs = x.grad().toFloatArray();
            for (int i = 0; i < N; i += 997) {
                double v = Math.pow(xs[i], k);
                double g = k * Math.pow(xs[i], k - 1);
                assertEquals(v, ys[i], 3e-6 * Math.max(1, Math.abs(v)) * k, "x^" + k + " at " + xs[i]);
                assertEquals(g, gs[i], 3e-6 * Math.max(1, Math.abs(g)) * k, "d/dx x^" + k + " at " + xs[i]);
            }
        }
    }

    @Test
    void otherExponentsStillTakeTheGeneralPower() {
        for (double k : new double[] {2.5, -1, 0, 0.5, 17}) {
            Tensor x = Tensor.linspace(0.25, 1.25, N).requiresGrad_(true);
            Tensor y = x.pow(k);
            y.sum().backward();
            float[] xs = x.detach().toFloatArray();
            float[] gs = x.grad().toFloatArray();
            for (int i = 0; i < N; i += 997) {
                double g = k == 0 ? 0 : k * Math.pow(xs[i], k - 1);
                assertEquals(Math.pow(xs[i], k), y.detach().toFloatArray()[i], 1e-5 * Math.max(1, Math.pow(xs[i], k)), "x^" + k);
                assertEquals(g, gs[i], 1e-5 * Math.max(1, Math.abs(g)), "d/dx x^" + k + " at " + xs[i]);
            }
        }
    }

    @Test
    void anExponentThatNeedsAGradientGetsOne() {
        Tensor x = Tensor.linspace(0.25, 1.25, N);
        Tensor p = Tensor.scalar(2.0).requiresGrad_(true);
        x.pow(p.expand(N)).sum().backward();
        double expected = 0;
        for (float xi : x.toFloatArray()) {
            expected += Math.pow(xi, 2) * Math.log(xi);
        }
        assertEquals(expected, p.grad().item(), 1e-4 * Math.abs(expected));
    }

    @Test
    void broadcastScalarsInTheGradientPlanAreReadNotCopied() {
        // b * x: the gradient of x reads b broadcast to N; of b, x. Two values of b, one plan.
        for (double bv : new double[] {0.5, -3}) {
            Tensor x = Tensor.linspace(-1, 1, N).requiresGrad_(true);
            Tensor b = Tensor.scalar(bv).requiresGrad_(true);
            b.mul(x).mul(x).sum().backward();
            float[] xs = x.detach().toFloatArray();
            float[] gx = x.grad().toFloatArray();
            double gb = 0;
            for (int i = 0; i < N; i++) {
                gb += (double) xs[i] * xs[i];
                if (i % 499 == 0) {
                    assertEquals(2 * bv * xs[i], gx[i], 1e-6 * (1 + Math.abs(bv)), "d/dx b x^2 with b = " + bv);
                }
            }
            assertEquals(gb, b.grad().item(), 1e-4 * gb, "d/db b x^2 with b = " + bv);
        }
        try (var noGrad = Kiln.noGrad()) {
            assertEquals(0.0, Tensor.linspace(-1, 1, N).pow(2).sub(Tensor.linspace(-1, 1, N).mul(Tensor.linspace(-1, 1, N)))
                    .abs().max().item(), 1e-7, "x^2 is x*x");
        }
    }
}
