package usercode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.Function;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Misuse gets a clear error naming the problem and the user's line, and leaves state as it was. */
class MisuseTest {
    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber() + 1;
    }

    private static void assertSite(KilnException e, int line) {
        assertEquals("MisuseTest.java:" + line, e.site(), e.getMessage());
    }

    @Test
    void detachCloneAndContiguousInATracedStepBehaveAsEagerly() {
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            Tensor w = Tensor.of(1.0, 2.0, 3.0).requiresGrad_(true);
            Tensor eagerW = Tensor.of(1.0, 2.0, 3.0).requiresGrad_(true);
            dev.kiln.Step step = in -> {
                Tensor scale = w.mul(2.0).detach(); // no gradient flows through scale
                Tensor t = w.reshape(3, 1).expand(3, 2).transpose(0, 1).contiguous().clone();
                Tensor loss = t.sum().mul(scale.sum()).add(w.pow(2).sum());
                loss.backward();
                return loss;
            };
            dev.kiln.Step eager = in -> {
                Tensor scale = eagerW.mul(2.0).detach();
                Tensor t = eagerW.reshape(3, 1).expand(3, 2).transpose(0, 1).contiguous().clone();
                Tensor loss = t.sum().mul(scale.sum()).add(eagerW.pow(2).sum());
                loss.backward();
                return loss;
            };
            CompiledFunction f = Kiln.compile(step, mode);
            for (int i = 0; i < 2; i++) {
                assertEquals(eager.apply().item(), f.call().item(), 1e-5, mode + " loss");
                assertArrayEquals(eagerW.grad().toDoubleArray(), w.grad().toDoubleArray(), 1e-5, mode + " grad");
                // d/dw of sum(t) * s (s held constant) + sum(w^2): 2s + 2w, s = 2 * sum(w) = 12
                assertArrayEquals(new double[] {26, 28, 30}, w.grad().toDoubleArray(), 1e-5);
                w.clearGrad();
                eagerW.clearGrad();
            }
        }
    }

    @Test
    void detachedSymbolicTensorCarriesNoGradient() {
        Tensor w = Tensor.of(1.0, 2.0).requiresGrad_(true);
        CompiledFunction f = Kiln.compile(in -> {
            Tensor loss = w.detach().mul(w).sum();
            loss.backward();
            return loss;
        });
        assertEquals(5.0, f.call().item(), 1e-6);
        assertArrayEquals(new double[] {1, 2}, w.grad().toDoubleArray(), 1e-6);
    }

    @Test
    void optimizerLoadStateDictChecksEverythingBeforeWriting() {
        Tensor a = Tensor.ones(3).requiresGrad_(true);
        Tensor b = Tensor.ones(2, 2).requiresGrad_(true);
        Adam mine = new Adam(List.of(a, b), Adam.Options.lr(0.1));
        a.sum().add(b.sum()).backward();
        mine.step();
        var before = mine.stateDict();
        double[] avgBefore = before.state().get(0).get("exp_avg").toDoubleArray();

        Tensor c = Tensor.ones(4).requiresGrad_(true);
        Adam other = new Adam(List.of(c), Adam.Options.lr(0.1));
        int line = nextLine();
        KilnException count = assertThrows(KilnException.class, () -> mine.loadStateDict(other.stateDict()));
        assertTrue(count.getMessage().contains("2 parameters") && count.getMessage().contains("1"), count.getMessage());
        assertSite(count, line);

        Tensor d = Tensor.ones(4).requiresGrad_(true);
        Tensor e = Tensor.ones(2, 2).requiresGrad_(true);
        Adam wrongShape = new Adam(List.of(d, e), Adam.Options.lr(0.1));
        KilnException shape = assertThrows(KilnException.class, () -> mine.loadStateDict(wrongShape.stateDict()));
        assertTrue(shape.getMessage().contains("[4]") && shape.getMessage().contains("[3]"), shape.getMessage());

        // state its options need is missing: amsgrad's running maximum
        Tensor f = Tensor.ones(3).requiresGrad_(true);
        Tensor g = Tensor.ones(2, 2).requiresGrad_(true);
        var full = new Adam(List.of(f, g), Adam.Options.lr(0.1).withAmsgrad(true)).stateDict();
        java.util.Map<Integer, java.util.Map<String, Tensor>> partial = new java.util.HashMap<>(full.state());
        java.util.Map<String, Tensor> withoutMax = new java.util.LinkedHashMap<>(partial.get(1));
        withoutMax.remove("max_exp_avg_sq");
        partial.put(1, withoutMax);
        KilnException keys = assertThrows(KilnException.class,
                () -> mine.loadStateDict(new dev.kiln.optim.Optimizer.StateDict<>(partial, full.groups())));
        assertTrue(keys.getMessage().contains("max_exp_avg_sq"), keys.getMessage());

        // state untouched by the failures
        assertArrayEquals(avgBefore, mine.stateDict().state().get(0).get("exp_avg").toDoubleArray());
        assertEquals(0.1, mine.paramGroups().getFirst().options().lr());
    }

    @Test
    void optimizerLoadStateDictRefusesAnotherOptimizersOptions() {
        Tensor a = Tensor.ones(3).requiresGrad_(true);
        SGD sgd = new SGD(List.of(a), 0.1, 0.9);
        Tensor b = Tensor.ones(3).requiresGrad_(true);
        Adam adam = new Adam(List.of(b), Adam.Options.lr(0.1));
        @SuppressWarnings({"unchecked", "rawtypes"})
        dev.kiln.optim.Optimizer.StateDict foreign = adam.stateDict();
        @SuppressWarnings("unchecked")
        KilnException e = assertThrows(KilnException.class, () -> sgd.loadStateDict(foreign));
        assertTrue(e.getMessage().contains("SGD") && e.getMessage().contains("Adam"), e.getMessage());
        assertEquals(0.1, sgd.paramGroups().getFirst().options().lr());
    }

    @Test
    void compileRefusesNulls() {
        int line = nextLine();
        KilnException fn = assertThrows(KilnException.class, () -> Kiln.compile(null));
        assertTrue(fn.getMessage().contains("fn") && fn.getMessage().contains("null"), fn.getMessage());
        assertSite(fn, line);
        KilnException mode = assertThrows(KilnException.class, () -> Kiln.compile(in -> in[0], null));
        assertTrue(mode.getMessage().contains("mode"), mode.getMessage());
    }

    /** backward returns null for the input that needs a gradient: a zero gradient, as PyTorch's None. */
    static final class NullGradient extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... inputs) {
            return inputs[0].mul(inputs[1]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor gradOutput) {
            return new Tensor[] {null, gradOutput};
        }
    }

    @Test
    void functionBackwardReturningNullMeansZeroGradient() {
        Tensor x = Tensor.of(1.0, 2.0).requiresGrad_(true);
        Tensor y = Tensor.of(3.0, 4.0).requiresGrad_(true);
        new NullGradient().apply(x, y).sum().backward();
        assertArrayEquals(new double[] {0, 0}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, y.grad().toDoubleArray());
        List<Tensor> grads = dev.kiln.Autograd.grad(new NullGradient().apply(x, y).sum(), x, y);
        assertArrayEquals(new double[] {0, 0}, grads.get(0).toDoubleArray());

        Tensor cx = Tensor.of(1.0, 2.0).requiresGrad_(true);
        Tensor cy = Tensor.of(3.0, 4.0).requiresGrad_(true);
        CompiledFunction f = Kiln.compile(in -> {
            Tensor loss = new NullGradient().apply(cx, cy).sum();
            loss.backward();
            return loss;
        });
        f.call();
        assertArrayEquals(new double[] {0, 0}, cx.grad().toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, cy.grad().toDoubleArray());
    }

    @Test
    void sliceStepBlamesTheStep() {
        Tensor t = Tensor.ones(5);
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> t.slice(0, 0, 5, 0));
        assertTrue(e.getMessage().contains("step") && e.getMessage().contains("0"), e.getMessage());
        assertTrue(!e.getMessage().contains("out of range"), e.getMessage());
        assertSite(e, line);
        KilnException negative = assertThrows(KilnException.class, () -> t.slice(0, 4, 0, -1));
        assertTrue(negative.getMessage().contains("step -1"), negative.getMessage());
    }

    @Test
    void anAllocationTooBigForTheHeapIsAKilnException() {
        // more float64 elements than the heap has bytes for, and fewer than 2^31
        int rows = 1 << 15;
        int cols = (int) (Runtime.getRuntime().maxMemory() / 8 / rows) + 1;
        org.junit.jupiter.api.Assumptions.assumeTrue((long) rows * cols < Integer.MAX_VALUE, "heap above 16 GiB");
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> Tensor.zeros(Shape.of(rows, cols), dev.kiln.DType.FLOAT64));
        assertTrue(e.getMessage().contains("[" + rows + ", " + cols + "]"), e.getMessage());
        assertTrue(e.getMessage().contains((long) rows * cols * 8 + " bytes"), e.getMessage());
        assertSite(e, line);
        // a model still fits afterwards
        assertEquals(6.0, Tensor.ones(2, 3).sum().item());
    }

    @Test
    void linearNamesItselfAndItsInputSize() {
        Linear layer = new Linear(3, 2);
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> layer.forward(Tensor.ones(5, 4)));
        assertTrue(e.getMessage().contains("Linear(in_features=3, out_features=2"), e.getMessage());
        assertTrue(e.getMessage().contains("[5, 4]") && e.getMessage().contains("3"), e.getMessage());
        assertSite(e, line);
    }

    @Test
    void adamWKeepsItsDefaultWeightDecay() {
        Tensor p = Tensor.ones(2).requiresGrad_(true);
        AdamW opt = new AdamW(List.of(p), Adam.Options.lr(1e-2));
        assertEquals(0.01, opt.paramGroups().getFirst().options().weightDecay());
        AdamW none = new AdamW(List.of(Tensor.ones(2).requiresGrad_(true)), Adam.Options.lr(1e-2).withWeightDecay(0));
        assertEquals(0.0, none.paramGroups().getFirst().options().weightDecay());
        Adam adam = new Adam(List.of(Tensor.ones(2).requiresGrad_(true)), Adam.Options.lr(1e-2));
        assertEquals(0.0, adam.paramGroups().getFirst().options().weightDecay());
        // one step: θ(1 - γλ) then Adam's step of -γ·sign(g) on the first step
        p.sum().backward();
        opt.step();
        assertEquals(1 * (1 - 1e-2 * 0.01) - 1e-2, p.toDoubleArray()[0], 1e-6);
        assertNull(null);
    }
}
