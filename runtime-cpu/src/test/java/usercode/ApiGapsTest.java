package usercode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.testing.GradCheck;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.SGD;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** float64 modules, a scoped default dtype, module buffers, several outputs from one compiled step, reductions by dim. */
class ApiGapsTest {
    @Test
    void defaultDtypeIsScopedAndPerThread() throws Exception {
        assertEquals(DType.FLOAT32, Tensor.zeros(2).dtype());
        try (var s = Kiln.defaultDtype(DType.FLOAT64)) {
            assertEquals(DType.FLOAT64, Kiln.defaultDtype());
            assertEquals(DType.FLOAT64, Tensor.zeros(2).dtype());
            assertEquals(DType.FLOAT64, Tensor.randn(3).dtype());
            assertEquals(DType.FLOAT64, Tensor.of(1.0, 2.0).dtype());
            assertEquals(DType.FLOAT64, new Linear(3, 2).weight.dtype());
            assertEquals(DType.FLOAT32, Tensor.of(1f, 2f).dtype(), "Java floats stay float32");
            try (var inner = Kiln.defaultDtype(DType.FLOAT32)) {
                assertEquals(DType.FLOAT32, Tensor.ones(1).dtype());
            }
            assertEquals(DType.FLOAT64, Tensor.ones(1).dtype());
            AtomicReference<DType> other = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> other.set(Tensor.zeros(1).dtype()));
            t.join();
            assertEquals(DType.FLOAT32, other.get(), "another thread keeps its own default");
        }
        assertEquals(DType.FLOAT32, Tensor.zeros(2).dtype());
        assertThrows(KilnException.class, () -> Kiln.defaultDtype(DType.INT64));
    }

    @Test
    void float64LinearMatchesItsFormulaAndPassesGradCheck() {
        Linear layer = new Linear(3, 2, DType.FLOAT64);
        assertEquals(DType.FLOAT64, layer.weight.dtype());
        assertEquals(DType.FLOAT64, layer.bias.dtype());
        Tensor x = Tensor.randn(Shape.of(4, 3), DType.FLOAT64, new Generator(5));
        double[] w = layer.weight.toDoubleArray();
        double[] b = layer.bias.toDoubleArray();
        double[] xv = x.toDoubleArray();
        double[] y = layer.forward(x).toDoubleArray();
        for (int i = 0; i < 4; i++) {
            for (int o = 0; o < 2; o++) {
                double expected = b[o];
                for (int k = 0; k < 3; k++) {
                    expected += xv[i * 3 + k] * w[o * 3 + k];
                }
                assertEquals(expected, y[i * 2 + o], 1e-15);
            }
        }
        GradCheck.Result r = GradCheck.check(in -> in.get(0).matmul(in.get(1).t()).add(in.get(2)).tanh().sum(),
                x.detach().requiresGrad_(true), layer.weight, layer.bias);
        assertTrue(r.passed(), r.toString());
    }

    /** A module with a buffer: a running mean of its inputs, updated in place. */
    static final class RunningMean extends Module {
        final Tensor scale = parameter("scale", Tensor.ones(1));
        final Tensor mean = registerBuffer("mean", Tensor.zeros(1));
        final Linear head = module("head", new Linear(1, 1));

        @Override
        public Tensor forward(Tensor x) {
            try (var noGrad = Kiln.noGrad()) {
                mean.mul_(0.9).add_(x.mean().mul(0.1).reshape(1));
            }
            return head.forward(x.sub(mean).mul(scale));
        }
    }

    @Test
    void buffersAreSavedConvertedAndWrittenByCompiledSteps() {
        Kiln.manualSeed(11);
        RunningMean eager = new RunningMean();
        Kiln.manualSeed(11);
        RunningMean compiledModel = new RunningMean();
        assertEquals(List.of("scale", "mean", "head.weight", "head.bias"), List.copyOf(eager.stateDict().keySet()));
        assertEquals(3, eager.parameters().size());
        assertEquals(List.of("mean"), List.copyOf(eager.namedBuffers().keySet()));
        assertFalse(eager.parameters().contains(eager.mean));

        SGD optE = new SGD(eager.parameters(), 0.1, 0.0);
        SGD optC = new SGD(compiledModel.parameters(), 0.1, 0.0);
        CompiledFunction step = Kiln.compile(in -> {
            optC.zeroGrad();
            Tensor loss = compiledModel.forward(in[0]).pow(2).sum();
            loss.backward();
            optC.step();
            return loss;
        });
        for (int i = 0; i < 5; i++) {
            Tensor x = Tensor.randn(Shape.of(8, 1), DType.FLOAT32, new Generator(i));
            optE.zeroGrad();
            Tensor loss = eager.forward(x).pow(2).sum();
            loss.backward();
            optE.step();
            assertEquals(loss.item(), step.call(x).item(), 1e-5);
            assertArrayEquals(eager.mean.toFloatArray(), compiledModel.mean.toFloatArray(), 1e-6f, "buffer after step " + i);
        }
        assertEquals(1, step.compilations());

        // load: buffers are in the state dict, and values convert to each tensor's dtype
        RunningMean loaded = new RunningMean();
        Map<String, Tensor> state = new java.util.LinkedHashMap<>(eager.stateDict());
        state.replaceAll((k, v) -> v.to(DType.FLOAT64));
        loaded.loadStateDict(state, true);
        assertEquals(DType.FLOAT32, loaded.mean.dtype());
        assertArrayEquals(eager.mean.toFloatArray(), loaded.mean.toFloatArray());

        assertThrows(KilnException.class, () -> new Module() {
            final Tensor b = registerBuffer("b", Tensor.ones(1).requiresGrad_(true));
        });
    }

    @Test
    void moduleToConvertsParametersBuffersAndGradsInPlace() {
        Kiln.manualSeed(2);
        RunningMean m = new RunningMean();
        Tensor scale = m.scale;
        float[] before = m.head.weight.toFloatArray();
        m.head.forward(Tensor.ones(2, 1)).sum().backward();
        SGD opt = new SGD(m.parameters(), 0.5, 0.0);
        CompiledFunction predict = Kiln.compile(in -> {
            try (var noGrad = Kiln.noGrad()) {
                return m.head.forward(in[0]);
            }
        });
        assertEquals(DType.FLOAT32, predict.call(Tensor.ones(1, 1)).dtype());

        assertSame(m, m.to(DType.FLOAT64));
        assertSame(scale, m.scale, "the same tensor objects");
        assertEquals(DType.FLOAT64, m.scale.dtype());
        assertEquals(DType.FLOAT64, m.mean.dtype());
        assertEquals(DType.FLOAT64, m.head.weight.dtype());
        assertEquals(DType.FLOAT64, m.head.weight.grad().dtype());
        double[] converted = m.head.weight.toDoubleArray();
        for (int i = 0; i < before.length; i++) {
            assertEquals(before[i], converted[i], 0.0);
        }
        // a compiled function traced before the conversion recompiles for the new dtypes
        Tensor y = predict.call(Tensor.ones(Shape.of(1, 1), DType.FLOAT64));
        assertEquals(DType.FLOAT64, y.dtype());
        assertEquals(2, predict.compilations());
        // the optimizer built before still updates the converted tensors
        double w0 = m.head.weight.toDoubleArray()[0];
        double g0 = m.head.weight.grad().toDoubleArray()[0];
        opt.step();
        assertEquals(w0 - 0.5 * g0, m.head.weight.toDoubleArray()[0], 1e-12);
        assertThrows(KilnException.class, () -> m.to(DType.INT64));
    }

    @Test
    void aCompiledStepReturnsLossAndMetricsTogether() {
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            Kiln.manualSeed(4);
            Sequential model = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 1));
            SGD opt = new SGD(model.parameters(), 0.05, 0.9);
            CompiledFunction step = Kiln.compileAll(in -> {
                opt.zeroGrad();
                Tensor pred = model.forward(in[0]);
                Tensor loss = pred.sub(in[1]).pow(2).mean();
                loss.backward();
                opt.step();
                Tensor maxError = pred.sub(in[1]).abs().amax(new int[] {0, 1}, false);
                return List.of(loss, maxError, pred);
            }, mode, 8);
            Kiln.manualSeed(4);
            Sequential twin = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 1));
            SGD twinOpt = new SGD(twin.parameters(), 0.05, 0.9);
            for (int i = 0; i < 4; i++) {
                Tensor x = Tensor.randn(Shape.of(16, 2), DType.FLOAT32, new Generator(10 + i));
                Tensor t = x.sum(1, true).sin();
                List<Tensor> out = step.callAll(x, t);
                twinOpt.zeroGrad();
                Tensor pred = twin.forward(x);
                Tensor loss = pred.sub(t).pow(2).mean();
                loss.backward();
                twinOpt.step();
                assertEquals(3, out.size());
                assertEquals(loss.item(), out.get(0).item(), 1e-6, mode + " loss");
                assertEquals(pred.sub(t).abs().max().item(), out.get(1).item(), 1e-6, mode + " metric");
                assertArrayEquals(pred.toFloatArray(), out.get(2).toFloatArray(), 1e-6f, mode + " predictions");
                assertArrayEquals(twin.parameters().getFirst().toFloatArray(), model.parameters().getFirst().toFloatArray(),
                        1e-6f, mode + " parameters written back");
            }
            CompiledFunction stats = Kiln.compileAll(in -> List.of(in[0].sum(), in[0].mean()),
                    mode, 8);
            Tensor x = Tensor.of(1.0, 2.0, 6.0);
            List<Tensor> both = stats.callAll(x);
            assertEquals(9.0, both.get(0).item(), 1e-6);
            assertEquals(3.0, both.get(1).item(), 1e-6);
            assertEquals(9.0, stats.call(x).item(), 1e-6, "call returns the first output");
        }
    }

    @Test
    void reductionsByDim() {
        Tensor x = Tensor.of(DType.FLOAT64, 3, -1, 2, 5, 0, -4).reshape(2, 3);
        assertArrayEquals(new double[] {4, 1}, x.sum(1).toDoubleArray());
        assertEquals(Shape.of(2, 1), x.sum(1, true).shape());
        assertEquals(Shape.of(1, 3), x.sum(0, true).shape());
        assertArrayEquals(new double[] {8, -1, -2}, x.sum(0, true).toDoubleArray());
        assertArrayEquals(new double[] {4.0 / 3, 1.0 / 3}, x.mean(1).toDoubleArray(), 1e-15);
        assertEquals(Shape.of(2, 1), x.mean(-1, true).shape());
        assertArrayEquals(new double[] {3, 5}, x.amax(1).toDoubleArray());
        assertEquals(Shape.of(1, 3), x.amax(0, true).shape());
        assertArrayEquals(new double[] {5, 0, 2}, x.amax(0, true).toDoubleArray());
        assertArrayEquals(new double[] {-1, -4}, x.amin(1).toDoubleArray());
        assertArrayEquals(new double[] {3, -1, -4}, x.amin(0, true).toDoubleArray());
        assertEquals(-4, x.min().item());
        assertEquals(Shape.scalar(), x.min().shape());
        // ties share the gradient equally, as PyTorch's amin
        Tensor tied = Tensor.of(DType.FLOAT64, 1, 1, 2).requiresGrad_(true);
        tied.amin(0).backward();
        assertArrayEquals(new double[] {0.5, 0.5, 0}, tied.grad().toDoubleArray());
        GradCheck.Result r = GradCheck.check(in -> in.get(0).amin(1, true).sum().add(in.get(0).mean(0).sum()),
                Tensor.of(DType.FLOAT64, 0.3, -1.2, 2.5, 0.7, 1.9, -0.4).reshape(2, 3).requiresGrad_(true));
        assertTrue(r.passed(), r.toString());
    }
}
