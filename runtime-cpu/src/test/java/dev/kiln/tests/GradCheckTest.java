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
