package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptimizerTest {
    private static Sequential model(long seed) {
        return new Sequential(new Linear(3, 4, true, new Generator(seed)), new Tanh(), new Linear(4, 1, true, new Generator(seed + 1)));
    }

    private static final Tensor X = Tensor.randn(Shape.of(8, 3), DType.FLOAT32, new Generator(5));
    private static final Tensor Y = Tensor.randn(Shape.of(8, 1), DType.FLOAT32, new Generator(6));

    private static void train(Sequential m, Optimizer<?> opt, int steps) {
        for (int i = 0; i < steps; i++) {
            opt.zeroGrad();
            m.forward(X).sub(Y).pow(2).mean().backward();
            opt.step();
        }
    }

    private static float[] flat(Sequential m) {
        float[] out = new float[0];
        for (Tensor p : m.parameters()) {
            float[] v = p.toFloatArray();
            float[] n = java.util.Arrays.copyOf(out, out.length + v.length);
            System.arraycopy(v, 0, n, out.length, v.length);
            out = n;
        }
        return out;
    }

    @Test
    void stateDictsResumeTrainingExactly() {
        Sequential a = model(1);
        Adam optA = new Adam(a.parameters(), Adam.Options.lr(0.01).withAmsgrad(true));
        train(a, optA, 3);
        Map<String, Tensor> weights = Map.copyOf(cloneAll(a.stateDict()));
        Optimizer.StateDict<Adam.Options> state = optA.stateDict();
        Optimizer.StateDict<Adam.Options> saved = new Optimizer.StateDict<>(cloneState(state.state()), state.groups());
        train(a, optA, 2);

        Sequential b = model(99);
        b.loadStateDict(weights, true);
        Adam optB = new Adam(b.parameters(), Adam.Options.lr(0.5));
        optB.loadStateDict(saved);
        assertEquals(0.01, optB.paramGroups().getFirst().options().lr());
        train(b, optB, 2);
        assertArrayEquals(flat(a), flat(b));
    }

    private static Map<String, Tensor> cloneAll(Map<String, Tensor> m) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    private static Map<Integer, Map<String, Tensor>> cloneState(Map<Integer, Map<String, Tensor>> s) {
        Map<Integer, Map<String, Tensor>> out = new java.util.LinkedHashMap<>();
        s.forEach((k, v) -> out.put(k, cloneAll(v)));
        return out;
    }

    /** An optimizer whose update fails on the second parameter, to check that a failed step writes nothing. */
    static final class FailsOnSecond extends Optimizer<SGD.Options> {
        private int calls;

        FailsOnSecond(List<Tensor> params) {
            super(List.of(new ParamGroup<>(params, SGD.Options.lr(0.1))));
        }

        @Override
        protected Map<String, Tensor> initialState(Tensor p, SGD.Options o) {
            return Map.of("buf", Tensor.zeros(p.shape(), p.dtype()));
        }

        @Override
        protected Update update(Tensor p, Tensor grad, Map<String, Tensor> state, ParamGroup<SGD.Options> g) {
            if (++calls % 2 == 0) {
                throw new KilnException("update failed");
            }
            state.put("buf", grad.mul(2.0));
            return new Update(p.sub(grad.mul(g.hyper("lr"))), state);
        }
    }

    @Test
    void aFailedStepLeavesParametersAndStateAsTheyWere() {
        Sequential m = model(3);
        FailsOnSecond opt = new FailsOnSecond(m.parameters());
        m.forward(X).sum().backward();
        float[] before = flat(m);
        assertThrows(KilnException.class, opt::step);
        assertArrayEquals(before, flat(m));
        Tensor buf = opt.state(m.parameters().getFirst()).get("buf");
        assertArrayEquals(new float[buf.numel()], buf.toFloatArray());
    }

    @Test
    void zeroGradClearsOrZeroes() {
        Sequential m = model(4);
        SGD opt = new SGD(m.parameters(), 0.1, 0.0);
        m.forward(X).sum().backward();
        opt.zeroGrad(false);
        Tensor w = m.parameters().getFirst();
        assertArrayEquals(new float[w.numel()], w.grad().toFloatArray());
        opt.zeroGrad();
        assertNull(w.grad());
        opt.step(); // no gradients: nothing moves
    }

    @Test
    void hyperParametersAreValidated() {
        List<Tensor> ps = model(1).parameters();
        KilnException e = assertThrows(KilnException.class,
                () -> new SGD(ps, SGD.Options.lr(0.1).withNesterov(true)));
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        assertThrows(KilnException.class, () -> new SGD(ps, SGD.Options.lr(0.1).withMomentum(0.9).withDampening(0.1).withNesterov(true)));
        assertThrows(KilnException.class, () -> new RMSprop(ps, -1));
        assertThrows(KilnException.class, () -> new Adam(ps, Adam.Options.lr(0.1).withBetas(1.0, 0.9)));
        // a non-leaf is refused; a leaf that requires no grad (a frozen parameter) is accepted, as PyTorch's optimizers do
        Tensor computed = Tensor.ones(2).requiresGrad_(true).mul(2.0);
        KilnException nonLeaf = assertThrows(KilnException.class, () -> new SGD(List.of(computed), 0.1, 0));
        assertTrue(nonLeaf.getMessage().contains("non-leaf"), nonLeaf.getMessage());
        new SGD(List.of(Tensor.ones(2)), 0.1, 0).step();
        assertThrows(KilnException.class, () -> new SGD(List.of(), 0.1, 0));
    }

    @Test
    void learningRateChangesTakeEffect() {
        Tensor w = Tensor.scalar(1.0, DType.FLOAT64).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.1, 0);
        w.mul(w).backward();
        opt.setLr(0.25);
        opt.step();
        assertEquals(0.5, w.item());
        assertTrue(opt.state(w).isEmpty());
    }

    @Test
    void sgdTakesARateAloneAsTheOtherOptimizersDo() {
        Tensor w = Tensor.of(1.0, -2.0).to(DType.FLOAT64).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.1); // torch.optim.SGD(params, lr=0.1): no momentum, no decay
        assertEquals(SGD.Options.lr(0.1), opt.paramGroups().getFirst().options());
        w.mul(w).sum().backward();
        opt.step();
        assertArrayEquals(new double[] {1.0 - 0.1 * 2.0, -2.0 - 0.1 * -4.0}, w.toDoubleArray());
        assertTrue(opt.state(w).isEmpty());
        assertThrows(KilnException.class, () -> new SGD(List.of(w), -0.1));
    }
}
