package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Step;
import dev.kiln.Tensor;
import org.junit.jupiter.api.Test;

/**
 * An in-place write, inside a compiled function, through a view (a select, a transpose, made inside
 * the step) of a tensor the function reads or computes did not reach that tensor: eager code changed
 * it, the compiled call silently did not. It now fails with a clear error and changes nothing; a
 * movement that eager code runs as a copy is written as eager code writes it.
 */
class CompiledViewWriteTest {
    private static void assertRefused(Step step, Tensor watched) {
        float[] before = watched.toFloatArray();
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            KilnException e = assertThrows(KilnException.class, () -> Kiln.compile(step, mode).call());
            assertTrue(e.getMessage().contains("through a view does not reach the tensor it views"), e.getMessage());
            assertTrue(e.getMessage().contains("CompiledViewWriteTest.java"), "names the user's line: " + e.getMessage());
            assertArrayEquals(before, watched.toFloatArray(), "nothing written");
        }
    }

    @Test
    void aWriteThroughASelectOfACapturedTensorIsRefused() {
        Tensor big = Tensor.of(new float[] {10, 11, 12, 13});
        assertRefused(in -> {
            try (var noGrad = Kiln.noGrad()) {
                big.select(0, 2).sub_(1);
            }
            return big.sum();
        }, big);
    }

    @Test
    void aWriteThroughATransposeIsRefused() {
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}).reshape(3, 2);
        assertRefused(in -> {
            try (var noGrad = Kiln.noGrad()) {
                w.t().mul_(2);
            }
            return w.sum();
        }, w);
    }

    @Test
    void aWriteThroughAViewOfATensorWrittenEarlierInTheStepIsRefused() {
        Tensor p = Tensor.of(new float[] {1, 2, 3});
        assertRefused(in -> {
            try (var noGrad = Kiln.noGrad()) {
                p.add_(1);
                p.slice(0, 1, 3, 1).zero_();
            }
            return p.sum();
        }, p);
    }

    @Test
    void aWriteThroughAViewOfAValueTheStepComputedIsRefused() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}).reshape(2, 2);
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            KilnException e = assertThrows(KilnException.class, () -> Kiln.compile(in -> {
                try (var noGrad = Kiln.noGrad()) {
                    Tensor h = x.mul(2);
                    h.select(0, 0).zero_(); // eagerly h becomes [[0, 0], [6, 8]]
                    return h.sum();
                }
            }, mode).call());
            assertTrue(e.getMessage().contains("view of a float32[2, 2] tensor computed in the compiled function"), e.getMessage());
        }
        assertArrayEquals(new float[] {1, 2, 3, 4}, x.toFloatArray());
    }

    @Test
    void aReshapeThatEagerCodeCopiesIsWrittenAsEagerCodeWritesIt() {
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}).reshape(3, 2);
        Step step = in -> {
            try (var noGrad = Kiln.noGrad()) {
                Tensor flat = w.t().reshape(6); // not a view of w's storage: a copy, eagerly too
                flat.mul_(2);
                return flat.sum().add(w.sum());
            }
        };
        float eager = (float) step.apply().item();
        float compiled = (float) Kiln.compile(step).call().item();
        assertEquals(eager, compiled);
        assertEquals(42f + 21f, compiled);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.toFloatArray(), "w itself unchanged, as eagerly");
    }
}
