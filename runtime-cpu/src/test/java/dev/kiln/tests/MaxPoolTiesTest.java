package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.Functional;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Max pooling picks each window's first maximum, NaN winning, and sends the gradient to that one element:
 * the values, indices and gradient PyTorch 1.13 gives for windows with ties and a NaN (printed by
 * {@code F.max_pool2d(x, 2, return_indices=True)} and {@code y.sum().backward()}), eager and compiled; of two
 * NaNs in a window the last wins, and a window of −∞ beside padding points at its first element inside the input,
 * as PyTorch's CPU kernel picks them.
 */
class MaxPoolTiesTest {
    private static final int[] TWO = {2};
    private static final int[] ZERO = {0};
    private static final int[] ONE = {1};

    private static Tensor image(double nanOrSeven) {
        return Tensor.of(1, 3, 3, 0, 3, 2, nanOrSeven, 5, 4, 4, 1, 1, 4, 4, 1, 1).reshape(1, 1, 4, 4);
    }

    @Test
    void tiesGoToTheFirstElementAndNanWinsEagerAndCompiled() {
        for (boolean compiled : new boolean[] {false, true}) {
            Tensor x = image(Double.NaN);
            dev.kiln.MultiStep pool = in -> Functional.maxPool2dWithIndices(x, TWO, TWO, ZERO, ONE, false);
            List<Tensor> out = compiled ? Kiln.compileAll(pool).callAll() : pool.apply();
            double[] y = out.get(0).toDoubleArray();
            assertEquals(3.0, y[0]);
            assertTrue(Double.isNaN(y[1]), "NaN wins its window");
            assertArrayEquals(new double[] {4, 1}, new double[] {y[2], y[3]});
            assertArrayEquals(new long[] {1, 6, 8, 10}, out.get(1).toLongArray(), compiled ? "compiled" : "eager");

            Tensor x2 = image(7).requiresGrad_(true);
            dev.kiln.Step step = in -> {
                x2.clearGrad();
                Tensor s = Functional.maxPool2d(x2, TWO, TWO, ZERO, ONE, false).sum();
                s.backward();
                return s;
            };
            (compiled ? Kiln.compile(step) : step).apply();
            assertArrayEquals(new double[] {0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0}, x2.grad().toDoubleArray(),
                    (compiled ? "compiled" : "eager") + ": the gradient goes to each window's first maximum");
        }
    }

    @Test
    void theLastNanWinsAndPaddingIsNeverChosenAsPytorchPicks() {
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;
        for (boolean compiled : new boolean[] {false, true}) {
            // torch: F.max_pool2d(tensor([[[[nan, 1, nan, 2]]]]), (1, 4), return_indices=True) -> index 2
            Tensor twoNans = Tensor.of(nan, 1, nan, 2).reshape(1, 1, 1, 4);
            dev.kiln.MultiStep a = in -> Functional.maxPool2dWithIndices(twoNans, new int[] {1, 4}, new int[] {1, 4}, ZERO, ONE, false);
            assertArrayEquals(new long[] {2}, (compiled ? Kiln.compileAll(a).callAll() : a.apply()).get(1).toLongArray());
            // torch: F.max_pool2d(tensor([[[[-inf, -inf]]]]), (1, 3), padding=(0, 1), return_indices=True) -> -inf at index 0
            Tensor minusInf = Tensor.of(-inf, -inf).reshape(1, 1, 1, 2);
            dev.kiln.MultiStep b = in -> Functional.maxPool2dWithIndices(minusInf, new int[] {1, 3}, new int[] {1, 3}, new int[] {0, 1},
                    ONE, false);
            List<Tensor> out = compiled ? Kiln.compileAll(b).callAll() : b.apply();
            assertArrayEquals(new long[] {0}, out.get(1).toLongArray(), compiled ? "compiled" : "eager");
            assertEquals(-inf, out.get(0).toDoubleArray()[0]);
        }
    }
}
