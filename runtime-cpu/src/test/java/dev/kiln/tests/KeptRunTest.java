package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.spi.Storage;
import java.lang.ref.WeakReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A compiled step that writes keeps its own buffer set from one call to the next, with the tensors
 * it captured still bound (instead of taking a set from the plan's pool and giving it back): it
 * must still let go of its arguments, and still see captured tensors that changed between calls,
 * in place or by getting new data.
 */
class KeptRunTest {
    /** w ← w − 0.1·∂(sum(w·x·b + c))/∂w, returning the loss: writes w, reads b and c, takes x. */
    private static Function<Tensor[], Tensor> step(Tensor w, Tensor b, Tensor c) {
        return in -> {
            Tensor loss = w.mul(in[0]).mul(b).add(c).sum();
            loss.backward();
            try (var g = Kiln.noGrad()) {
                w.sub_(w.grad().mul(0.1));
                w.clearGrad();
            }
            return loss;
        };
    }

    @Test
    void aWritingStepLetsGoOfItsArguments() {
        Kiln.manualSeed(1);
        Tensor w = Tensor.randn(8).requiresGrad_(true);
        Function<Tensor[], Tensor> fn = step(w, Tensor.randn(8), Tensor.randn(8));
        CompiledFunction compiled = Kiln.compile(fn::apply);
        compiled.call(Tensor.randn(8));
        Tensor x = Tensor.randn(8);
        WeakReference<Storage> argument = new WeakReference<>(Tensors.data(x).storage());
        compiled.call(x);
        x = null;
        for (int i = 0; i < 20 && argument.get() != null; i++) {
            System.gc();
        }
        assertNull(argument.get(), "the kept buffer set still holds the last call's argument");
        assertEquals(0, compiled.stats().poolOverflows());
    }

    @Test
    void capturedTensorsThatChangeBetweenCallsAreReadAnew() {
        assertCallsAgree(KeptRunTest::run);
    }

    /**
     * A call that fails while running (an index out of range, found by the gather) writes nothing,
     * and the kept set serves the next call as before: the same losses and weights as eager.
     */
    @Test
    void aFailedRunLeavesTheParametersAndTheNextCallRunsAsEager() {
        assertCallsAgree(KeptRunTest::embeddingSteps);
    }

    /** Each call's values, eager and compiled (the runner's argument says which), agree. */
    private static void assertCallsAgree(java.util.function.Function<Boolean, float[][]> calls) {
        float[][] eager = calls.apply(false);
        float[][] compiled = calls.apply(true);
        for (int i = 0; i < eager.length; i++) {
            assertArrayEquals(eager[i], compiled[i], 1e-5f, "call " + i);
        }
    }

    private static float[][] embeddingSteps(boolean compile) {
        Kiln.manualSeed(3);
        Tensor table = Tensor.randn(5, 3).requiresGrad_(true);
        Function<Tensor[], Tensor> fn = in -> {
            Tensor loss = table.indexSelect(0, in[0]).pow(2).sum();
            loss.backward();
            try (var g = Kiln.noGrad()) {
                table.sub_(table.grad().mul(0.1));
                table.clearGrad();
            }
            return loss;
        };
        CompiledFunction compiled = compile ? Kiln.compile(fn::apply) : null;
        Tensor[] indices = {Tensor.of(0, 2, 4), Tensor.of(1, 7, 3), Tensor.of(4, 4, 1)};
        float[][] out = new float[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            Tensor[] args = {indices[i]};
            float[] before = table.toFloatArray();
            if (i == 1) {
                assertThrows(KilnException.class, () -> {
                    if (compile) {
                        compiled.call(args);
                    } else {
                        fn.apply(args);
                    }
                });
                assertArrayEquals(before, table.toFloatArray(), 0f, "a failed call wrote the table");
                out[i] = before;
                continue;
            }
            Tensor loss = compile ? compiled.call(args) : fn.apply(args);
            float[] row = table.toFloatArray();
            out[i] = java.util.Arrays.copyOf(row, row.length + 1);
            out[i][row.length] = (float) loss.item();
        }
        return out;
    }

    /** Five calls; between them b changes in place, c gets new data, then a transposed (non-dense) view's copy. */
    private static float[][] run(boolean compile) {
        Kiln.manualSeed(2);
        Tensor w = Tensor.randn(8).requiresGrad_(true);
        Tensor b = Tensor.randn(8);
        Tensor c = Tensor.randn(8);
        Tensor wide = Tensor.randn(2, 8);
        Function<Tensor[], Tensor> fn = step(w, b, c);
        CompiledFunction compiled = compile ? Kiln.compile(fn::apply) : null;
        float[][] out = new float[5][];
        for (int i = 0; i < out.length; i++) {
            Tensor x = Tensor.linspace(-1, 1, 8).mul(i + 1);
            Tensor loss = compile ? compiled.call(x) : fn.apply(new Tensor[] {x});
            out[i] = new float[] {(float) loss.item(), (float) w.get(0).item(), (float) w.get(7).item()};
            switch (i) {
                case 0 -> b.add_(1.5);
                case 1 -> c.set_(Tensor.randn(8));
                case 2 -> c.set_(wide.select(0, 1)); // a view into a larger storage: bound as a copy
                case 3 -> b.mul_(-2);
                default -> { }
            }
        }
        if (compile) {
            assertEquals(1, compiled.stats().compiles(), "the guards held throughout: one plan");
        }
        return out;
    }
}
