package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code module.to(dtype)} under every optimizer: eager, a compiled step traced before the
 * conversion and one traced after it agree, in both directions, and the optimizer's state follows
 * its parameters' dtype.
 */
class ModuleToTest {
    private record Config(String name, Function<List<Tensor>, Optimizer<?>> make) {
    }

    private static final List<Config> OPTIMIZERS = List.of(
            new Config("SGD", p -> new SGD(p, SGD.Options.lr(0.1).withWeightDecay(0.01))),
            new Config("SGD momentum", p -> new SGD(p, SGD.Options.lr(0.1).withMomentum(0.9).withDampening(0.1))),
            new Config("SGD nesterov", p -> new SGD(p, SGD.Options.lr(0.1).withMomentum(0.9).withNesterov(true))),
            new Config("Adam", p -> new Adam(p, Adam.Options.lr(0.05))),
            new Config("Adam amsgrad", p -> new Adam(p, Adam.Options.lr(0.05).withAmsgrad(true).withWeightDecay(0.01))),
            new Config("AdamW", p -> new AdamW(p, AdamW.defaults(0.05))),
            new Config("RMSprop", p -> new RMSprop(p, RMSprop.Options.lr(0.01))),
            new Config("RMSprop centered momentum", p -> new RMSprop(p, RMSprop.Options.lr(0.01).withCentered(true).withMomentum(0.5))));

    private static final Tensor X = Tensor.randn(Shape.of(8, 3), DType.FLOAT64, new Generator(5));
    private static final Tensor Y = X.sum(1, true).sin();

    /** A model, its optimizer and its training step, eager or compiled. */
    private static final class Run {
        final Sequential model;
        final Optimizer<?> opt;
        final CompiledFunction compiled;

        Run(Config c, DType dtype, boolean compile) {
            this(c, dtype, compile ? CompiledFunction.Mode.STATIC : null);
        }

        Run(Config c, DType dtype, CompiledFunction.Mode mode) {
            model = new Sequential(new Linear(3, 4, true, new Generator(1), dtype), new Tanh(),
                    new Linear(4, 1, true, new Generator(2), dtype));
            opt = c.make.apply(model.parameters());
            compiled = mode != null ? Kiln.compile(in -> loss(in[0], in[1]), mode) : null;
        }

        Tensor loss(Tensor x, Tensor y) {
            opt.zeroGrad();
            Tensor loss = model.forward(x).sub(y).pow(2).mean();
            loss.backward();
            opt.step();
            return loss;
        }

        void steps(int n, DType dtype) {
            Tensor x = X.to(dtype);
            Tensor y = Y.to(dtype);
            for (int i = 0; i < n; i++) {
                if (compiled == null) {
                    loss(x, y);
                } else {
                    compiled.call(x, y);
                }
            }
        }

        double[] params() {
            List<Double> out = new ArrayList<>();
            for (Tensor p : model.parameters()) {
                for (double v : p.toDoubleArray()) {
                    out.add(v);
                }
            }
            return out.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    @Test
    void everyOptimizerTrainsOnAfterConvertingEagerAndCompiled() {
        for (Config c : OPTIMIZERS) {
            for (DType[] d : new DType[][] {{DType.FLOAT32, DType.FLOAT64}, {DType.FLOAT64, DType.FLOAT32}}) {
                String what = c.name + " " + d[0] + " -> " + d[1];
                Run eager = new Run(c, d[0], false);
                Run before = new Run(c, d[0], true); // traced before the conversion
                Run after = new Run(c, d[0], false); // eager before, compiled only after it
                for (Run r : List.of(eager, before, after)) {
                    r.steps(2, d[0]);
                    r.model.to(d[1]);
                }
                double[] converted = before.params();
                eager.steps(3, d[1]);
                before.steps(3, d[1]);
                CompiledFunction step = Kiln.compile(in -> after.loss(in[0], in[1]));
                Tensor x = X.to(d[1]);
                Tensor y = Y.to(d[1]);
                for (int i = 0; i < 3; i++) {
                    step.call(x, y);
                }
                assertEquals(2, before.compiled.compilations(), what + ": one plan per dtype");
                assertNotEquals(converted[0], before.params()[0], what + ": the compiled step updates the parameters");
                // float32 steps agree to rounding (compiled loops sum in another order); float64 ones closely
                double tol = d[1] == DType.FLOAT32 || d[0] == DType.FLOAT32 ? 2e-5 : 1e-12;
                assertClose(eager.params(), before.params(), tol, what + ": traced before");
                assertClose(eager.params(), after.params(), tol, what + ": traced after");
                for (Run r : List.of(eager, before, after)) {
                    for (Tensor p : r.model.parameters()) {
                        assertEquals(d[1], p.dtype(), what);
                        for (Map.Entry<String, Tensor> s : r.opt.state(p).entrySet()) {
                            DType expected = s.getKey().equals("step") ? DType.FLOAT64 : d[1];
                            assertEquals(expected, s.getValue().dtype(), what + ": state " + s.getKey());
                        }
                    }
                }
            }
        }
    }

    @Test
    void aStepConvertedBackAndForthKeepsTwoPlansStaticAndDynamic() {
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            Run eager = new Run(OPTIMIZERS.get(4), DType.FLOAT32, false);
            Run compiled = new Run(OPTIMIZERS.get(4), DType.FLOAT32, mode);
            DType dtype = DType.FLOAT32;
            for (int round = 0; round < 4; round++) {
                eager.steps(2, dtype);
                compiled.steps(2, dtype);
                assertClose(eager.params(), compiled.params(), 2e-5, mode + " round " + round);
                dtype = dtype == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32;
                eager.model.to(dtype);
                compiled.model.to(dtype);
            }
            // the optimizer's state follows each conversion when the step is traced again, and then
            // the plan traced for those dtypes is found: two compilations however often it switches
            assertEquals(2, compiled.compiled.compilations(), mode.toString());
        }
    }

    @Test
    void loadingOptimizerStateCastsItToTheParametersDtypeAsPyTorch() {
        Run a = new Run(OPTIMIZERS.get(3), DType.FLOAT32, false);
        a.steps(2, DType.FLOAT32);
        Optimizer.StateDict<?> saved = a.opt.stateDict();
        Run b = new Run(OPTIMIZERS.get(3), DType.FLOAT64, false);
        load(b.opt, saved);
        Tensor w = b.model.parameters().getFirst();
        assertEquals(DType.FLOAT64, b.opt.state(w).get("exp_avg").dtype());
        assertEquals(DType.FLOAT64, b.opt.state(w).get("step").dtype());
        Tensor expected = a.opt.state(a.model.parameters().getFirst()).get("exp_avg");
        assertClose(expected.toDoubleArray(), b.opt.state(w).get("exp_avg").toDoubleArray(), 0, "values as saved");
    }

    @SuppressWarnings("unchecked")
    private static <O extends Optimizer.Options<O>> void load(Optimizer<O> opt, Optimizer.StateDict<?> dict) {
        opt.loadStateDict((Optimizer.StateDict<O>) dict);
    }

    private static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
        }
    }
}
