package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.testing.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradCheckTest {
    @Test
    void passesOnACorrectGradient() {
        GradCheck.Result r = GradCheck.check(xs -> xs.get(0).mul(xs.get(1)).sin().sum(),
                Tensor.of(DType.FLOAT64, 0.1, 0.2), Tensor.of(DType.FLOAT64, 1.5, -0.5)).assertPassed();
        assertTrue(r.passed());
        assertEquals(4, r.checkedPoints());
    }

    @Test
    void catchesAWrongGradientAndNamesTheWorstElement() {
        // x.detach() * x: autograd sees d/dx = x, the true derivative is 2x; the largest |x| is the worst.
        Tensor x = Tensor.of(DType.FLOAT64, 0.5, -3.0, 1.0).reshape(1, 3);
        GradCheck.Result r = GradCheck.check(xs -> xs.get(0).detach().mul(xs.get(0)).sum(), x);
        assertFalse(r.passed());
        assertEquals(0, r.input());
        assertArrayEquals(new int[] {0, 1}, r.index());
        assertEquals(-3.0, r.analytic(), 1e-12);
        assertEquals(-6.0, r.numeric(), 1e-6);
        AssertionError e = assertThrows(AssertionError.class, r::assertPassed);
        assertTrue(e.getMessage().contains("element [0, 1]"), e.getMessage());
        assertTrue(e.getMessage().contains("derivatives of f(x)"), e.getMessage());
        // the tolerance the worst point was held to: 1e-5 + 1e-3 * |numeric|, numeric about -6
        assertTrue(e.getMessage().contains("against the tolerance atol + rtol * |numeric| = 1.0E-5 + 0.001 * " + Math.abs(r.numeric())
                + " = " + (1e-5 + 1e-3 * Math.abs(r.numeric()))), e.getMessage());
    }

    @Test
    void aNonScalarOutputsReportSaysItsNumbersAreTheWeightedSums() {
        // y = x.detach() * x elementwise: as above, wrong; f is not a scalar, so the check is of sum(f(x) * w)
        Tensor x = Tensor.of(DType.FLOAT64, 0.5, -3.0, 1.0);
        GradCheck.Result r = GradCheck.check(xs -> xs.get(0).detach().mul(xs.get(0)), x);
        assertFalse(r.passed());
        assertTrue(r.weightedSum());
        assertTrue(r.report().contains("derivatives of sum(f(x) * w), f's output weighted by fixed random w"), r.report());
        assertTrue(r.report().contains("against the tolerance atol + rtol * |numeric| = 1.0E-5 + 0.001 * "), r.report());
        assertFalse(GradCheck.check(xs -> xs.get(0).mul(xs.get(0)).sum(), x).weightedSum());
    }

    @Test
    void largeInputsUseRandomDirectionsAndStillCatchErrors() {
        Tensor x = Tensor.randn(Shape.of(4098), DType.FLOAT64, new dev.kiln.Generator(3));
        GradCheck.Result good = GradCheck.check(xs -> xs.get(0).tanh().sum(), x).assertPassed();
        assertEquals(3, good.checkedPoints());
        GradCheck.Result bad = GradCheck.check(xs -> xs.get(0).detach().mul(xs.get(0)).sum(), x);
        assertFalse(bad.passed());
        assertTrue(bad.report().contains("random direction"), bad.report());
    }

    @Test
    void nonScalarOutputsAreProjected() {
        GradCheck.check(xs -> xs.get(0).unsqueeze(-1).mul(xs.get(1)), List.of(
                Tensor.of(DType.FLOAT64, 1, 2), Tensor.of(DType.FLOAT64, 3, 4, 5)), GradCheck.defaults()).assertPassed();
    }

    @Test
    void refusesFloat32() {
        KilnException e = assertThrows(KilnException.class, () -> GradCheck.check(xs -> xs.get(0).sum(), Tensor.of(1.0)));
        assertTrue(e.getMessage().contains("float64"), e.getMessage());
    }
}
