package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CompileTest {
    private static final Tensor X = Tensor.randn(Shape.of(16, 3), DType.FLOAT32, new Generator(5));
    private static final Tensor Y = Tensor.randn(Shape.of(16), DType.FLOAT32, new Generator(6));

    private static Sequential model() {
        return new Sequential(new Linear(3, 4, true, new Generator(1)), new dev.kiln.nn.Tanh(),
                new Linear(4, 1, true, new Generator(2)), new Flatten(0, 1));
    }

    private static float[] flat(List<Tensor> ps) {
        int n = ps.stream().mapToInt(Tensor::numel).sum();
        float[] out = new float[n];
        int at = 0;
        for (Tensor p : ps) {
            float[] v = p.toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    /** Trains two copies, one eagerly and one compiled, and compares everything after each step. */
    private static void compareTraining(Function<List<Tensor>, Optimizer<?>> makeOptimizer) {
        Sequential eager = model();
        Sequential compiled = model();
        Optimizer<?> eagerOpt = makeOptimizer.apply(eager.parameters());
        Optimizer<?> compiledOpt = makeOptimizer.apply(compiled.parameters());
        MSELoss lossFn = new MSELoss();
        CompiledFunction step = Kiln.compile(inputs -> {
            compiledOpt.zeroGrad();
            Tensor loss = lossFn.forward(compiled.forward(inputs[0]), inputs[1]);
            loss.backward();
            compiledOpt.step();
            return loss;
        });
        for (int i = 0; i < 5; i++) {
            eagerOpt.zeroGrad();
            Tensor eagerLoss = lossFn.forward(eager.forward(X), Y);
            eagerLoss.backward();
            eagerOpt.step();
            Tensor compiledLoss = step.call(X, Y);
            assertEquals(eagerLoss.item(), compiledLoss.item(), 1e-5 * Math.abs(eagerLoss.item()));
            assertClose(flat(eager.parameters()), flat(compiled.parameters()), 1e-5);
            assertClose(flat(eager.parameters().stream().map(Tensor::grad).toList()),
                    flat(compiled.parameters().stream().map(Tensor::grad).toList()), 1e-5);
        }
        assertEquals(1, step.compilations());
    }

    /**
     * cat of float32 sums, compiled: each sum is kept in its float64 accumulator array and placed by an unslice, which
     * must convert (a run copy between the two array types threw ArrayStoreException), with eager's values.
     */
    @Test
    void catOfFloat32SumsPlacesTheirAccumulatorsAsEagerDoes() {
        Tensor x = Tensor.randn(4, 3).requiresGrad_(true);
        Tensor y = Tensor.randn(5, 2).requiresGrad_(true);
        Tensor w = Tensor.of(1f, 2f, 3f, 4f, 5f);
        dev.kiln.Step step = in -> {
            x.clearGrad();
            y.clearGrad();
            Tensor l = Tensor.cat(java.util.List.of(x.sum(0), y.sum(0)), 0).mul(w).sum();
            l.backward();
            return l;
        };
        float eager = step.apply().toFloatArray()[0];
        float[] eagerGrad = y.grad().toFloatArray();
        CompiledFunction f = Kiln.compile(step);
        assertEquals(eager, f.apply().toFloatArray()[0], 1e-5f);
        assertArrayEquals(eagerGrad, y.grad().toFloatArray());
    }

    @Test
    void compiledTrainingStepsMatchEagerOnes() {
        compareTraining(ps -> new SGD(ps, SGD.Options.lr(0.1).withMomentum(0.9).withNesterov(true)));
        compareTraining(ps -> new RMSprop(ps, RMSprop.Options.lr(0.01).withCentered(true).withMomentum(0.5)));
        compareTraining(ps -> new Adam(ps, Adam.Options.lr(0.01).withAmsgrad(true).withWeightDecay(0.1)));
    }

    @Test
    void aLearningRateChangeDoesNotRecompile() {
        Sequential m = model();
        SGD opt = new SGD(m.parameters(), 0.1, 0.0);
        CompiledFunction step = Kiln.compile(in -> {
            opt.zeroGrad();
            Tensor loss = m.forward(in[0]).sub(in[1]).pow(2).mean();
            loss.backward();
            opt.step();
            return loss;
        });
        step.call(X, Y);
        opt.setLr(0.0);
        float[] before = flat(m.parameters());
        step.call(X, Y);
        assertArrayEquals(before, flat(m.parameters()));
        assertEquals(1, step.compilations());
    }

    @Test
    void tracingHasNoSideEffectsAndGradsArePublished() {
        Tensor w = Tensor.of(DType.FLOAT64, 1, 2).requiresGrad_(true);
        CompiledFunction f = Kiln.compile(in -> {
            Tensor loss = w.mul(in[0]).sum();
            loss.backward();
            return loss;
        });
        Tensor out = f.call(Tensor.of(DType.FLOAT64, 3, 4));
        assertEquals(11.0, out.item());
        assertArrayEquals(new double[] {3, 4}, w.grad().toDoubleArray());
        f.call(Tensor.of(DType.FLOAT64, 3, 4));
        assertArrayEquals(new double[] {6, 8}, w.grad().toDoubleArray()); // accumulates like eager
        w.clearGrad();
        f.call(Tensor.of(DType.FLOAT64, 1, 1));
        assertArrayEquals(new double[] {1, 1}, w.grad().toDoubleArray());
    }

    @Test
    void randomDrawsInsideACompiledStepMatchEagerDraws() {
        Tensor w = Tensor.of(1.0, 2.0, 3.0);
        CompiledFunction f = Kiln.compile(in -> Tensor.randn(3).mul(w).add(Tensor.rand(3)));
        Kiln.manualSeed(7);
        float[][] eager = new float[3][];
        for (int i = 0; i < 3; i++) {
            eager[i] = Tensor.randn(3).mul(w).add(Tensor.rand(3)).toFloatArray();
        }
        long eagerOffset = Kiln.defaultGenerator().offset();
        Kiln.manualSeed(7);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(eager[i], f.call().toFloatArray(), 1e-6f);
        }
        assertEquals(eagerOffset, Kiln.defaultGenerator().offset());
        assertEquals(1, f.compilations());
    }

    @Test
    void aFailingCallWritesNothingBack() {
        Tensor w = Tensor.of(1.0, 2.0).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), SGD.Options.lr(0.1).withMomentum(0.9));
        CompiledFunction step = Kiln.compile(in -> {
            opt.zeroGrad();
            // integer powers of negative exponents fail at run time, after the update was computed
            Tensor scale = Tensor.of(2L).pow(in[0]).to(DType.FLOAT32);
            Tensor loss = w.mul(w).sum().mul(scale.sum());
            loss.backward();
            opt.step();
            return loss;
        });
        step.call(Tensor.of(1L));
        float[] params = w.toFloatArray();
        float[] grads = w.grad().toFloatArray();
        float[] momentum = opt.state(w).get("momentum_buffer").toFloatArray();
        assertThrows(ArithmeticException.class, () -> step.call(Tensor.of(-1L)));
        assertArrayEquals(params, w.toFloatArray());
        assertArrayEquals(grads, w.grad().toFloatArray());
        assertArrayEquals(momentum, opt.state(w).get("momentum_buffer").toFloatArray());
    }

    @Test
    void itemWhileTracingFailsClearly() {
        CompiledFunction f = Kiln.compile(in -> {
            double v = in[0].sum().item();
            return in[0].mul(v);
        });
        KilnException e = assertThrows(KilnException.class, () -> f.call(Tensor.ones(2)));
        assertTrue(e.getMessage().contains("symbolic"), e.getMessage());
    }

    @Test
    void newShapesRetraceStatically() {
        CompiledFunction f = Kiln.compile(in -> in[0].mul(2.0).sum());
        assertEquals(6.0, f.call(Tensor.ones(3)).item());
        assertEquals(8.0, f.call(Tensor.ones(4)).item());
        assertEquals(6.0, f.call(Tensor.ones(3)).item());
        assertEquals(2, f.compilations());
    }

    @Test
    void dynamicModeCompilesOncePerStructure() {
        int[] terms = {0};
        Tensor e = Tensor.scalar(0.5).requiresGrad_(true);
        CompiledFunction f = Kiln.compile(in -> {
            Tensor y = in[0];
            for (int k = 0; k < terms[0]; k++) {
                y = y.add(e.mul(in[0].pow(4 + k)));
            }
            return y.sum();
        }, CompiledFunction.Mode.DYNAMIC);
        Tensor x = Tensor.of(1.0, 2.0);
        for (int i = 0; i < 30; i++) {
            terms[0] = i % 3;
            double expected = 3 + (terms[0] > 0 ? 0.5 * 17 : 0) + (terms[0] > 1 ? 0.5 * 33 : 0);
            assertEquals(expected, f.call(x).item(), 1e-5);
        }
        assertEquals(3, f.compilations());
        assertTrue(f.explainLastMiss().contains("line"), f.explainLastMiss());
    }

    @Test
    void staticTraceCheckCatchesDynamicModels() {
        int[] terms = {0};
        CompiledFunction f = Kiln.compile(in -> {
            Tensor y = in[0];
            for (int k = 0; k < terms[0]; k++) {
                y = y.mul(2.0);
            }
            return y.sum();
        }).checkTraces(true);
        f.call(Tensor.ones(2));
        terms[0] = 1;
        KilnException e = assertThrows(KilnException.class, () -> f.call(Tensor.ones(2)));
        assertTrue(e.getMessage().contains("DYNAMIC"), e.getMessage());
    }

    @Test
    void traceCheckCatchesClosedOverTensorsThatChange() {
        Tensor[] batch = {Tensor.ones(2)};
        CompiledFunction f = Kiln.compile(in -> batch[0].mul(2.0).sum()).checkTraces(true);
        assertEquals(4.0, f.call().item());
        batch[0] = Tensor.full(Shape.of(2), 3.0);
        KilnException e = assertThrows(KilnException.class, f::call);
        assertTrue(e.getMessage().contains("pass data that changes between calls as an argument"), e.getMessage());
        CompiledFunction g = Kiln.compile(in -> in[0].mul(2.0).sum());
        assertEquals(4.0, g.call(Tensor.ones(2)).item());
        assertEquals(12.0, g.call(Tensor.full(Shape.of(2), 3.0)).item());
    }

    @Test
    void explainShowsGraphsAndPlan() {
        Tensor w = Tensor.ones(3).requiresGrad_(true);
        CompiledFunction f = Kiln.compile(in -> {
            Tensor loss = in[0].mul(w).add(1.0).sum();
            loss.backward();
            return loss;
        });
        f.call(Tensor.ones(3));
        String text = Kiln.explain(f);
        assertTrue(text.contains("== traced graph") && text.contains("== gradient graph") && text.contains("== optimized graph")
                && text.contains("== plan"), text);
        assertTrue(text.contains("(made by backward)") && text.contains("kernel k0"), text);
        assertTrue(text.contains("mul("), text);
    }

    @Test
    void clearedGradsStayCleared() {
        Tensor w = Tensor.ones(2).requiresGrad_(true);
        w.mul(2.0).sum().backward();
        CompiledFunction f = Kiln.compile(in -> {
            w.clearGrad();
            return in[0].sum();
        });
        f.call(Tensor.ones(1));
        assertNull(w.grad());
    }
}
