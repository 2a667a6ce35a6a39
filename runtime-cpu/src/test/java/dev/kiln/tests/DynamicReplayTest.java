package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * Dynamic mode replays earlier traces instead of rebuilding them: a replayed step must do exactly
 * what the eager step does, wherever the trace departs from the ones seen, and what it keeps to
 * replay must stay bounded.
 */
class DynamicReplayTest {
    /** A small model, its optimizer and data; {@code variant} picks the step's structure per call. */
    static final class Setup {
        final Tensor w = Tensor.of(0.5, -0.25, 0.75).requiresGrad_(true);
        final Tensor b = Tensor.scalar(0.1).requiresGrad_(true);
        final Tensor[] xs = {Tensor.of(1.0, 2.0, -1.0), Tensor.of(-0.5, 0.25, 1.5)};
        final Optimizer<?> opt;
        final int[] variant = {0};

        Setup(int optimizer) {
            List<Tensor> params = List.of(w, b);
            opt = switch (optimizer) {
                case 0 -> new SGD(params, 0.01, 0.9);
                case 1 -> new Adam(params, Adam.Options.lr(0.01));
                default -> new RMSprop(params, RMSprop.Options.lr(0.01).withMomentum(0.5).withCentered(true));
            };
        }

        /**
         * 0: the plain step; 1: an extra term (departs in forward); 2: the other data tensor (same
         * structure, another binding); 3: no optimizer step (departs after backward); 4: two steps.
         */
        Step step() {
            return in -> {
                int v = variant[0];
                Tensor x = xs[v == 2 ? 1 : 0];
                Tensor y = x.mul(w).add(b);
                if (v == 1) {
                    y = y.add(w.pow(2).mul(x));
                }
                Tensor loss = y.pow(2).sum();
                opt.zeroGrad();
                loss.backward();
                if (v != 3) {
                    opt.step();
                }
                if (v == 4) {
                    opt.step();
                }
                return loss;
            };
        }
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-5 * (1 + Math.abs(e[i])), what + "[" + i + "]");
        }
    }

    @Test
    void replayedStepsMatchEagerSteps() {
        Gen<List<Integer>> variants = SourceDSL.lists().of(Generate.range(0, 4)).ofSizeBetween(1, 20);
        Props.check("dynamic replay = eager", 60, variants.zip(Generate.range(0, 2), (v, o) -> Map.entry(o, v)), c -> {
            Setup eager = new Setup(c.getKey());
            Setup compiled = new Setup(c.getKey());
            Step eagerStep = eager.step();
            CompiledFunction f = Kiln.compile(compiled.step(), CompiledFunction.Mode.DYNAMIC);
            List<Integer> sequence = c.getValue();
            for (int i = 0; i < sequence.size(); i++) {
                eager.variant[0] = compiled.variant[0] = sequence.get(i);
                eager.opt.setLr(0.01 + 0.001 * i);
                compiled.opt.setLr(0.01 + 0.001 * i);
                String at = "call " + i + " of " + sequence;
                assertClose(eagerStep.apply(), f.call(), "loss, " + at);
                assertClose(eager.w, compiled.w, "w, " + at);
                assertClose(eager.b, compiled.b, "b, " + at);
                assertClose(eager.w.grad(), compiled.w.grad(), "w.grad, " + at);
                for (var e : eager.opt.state(eager.w).entrySet()) {
                    assertClose(e.getValue(), compiled.opt.state(compiled.w).get(e.getKey()), e.getKey() + ", " + at);
                }
            }
            assertEquals(sequence.stream().distinct().count(), f.compilations() + (sequence.contains(2) && sequence.contains(0) ? 1 : 0),
                    "variants 0 and 2 share a structure: " + sequence);
        });
    }

    /** A step with {@code terms[0]} extra powers of x, each a different structure. */
    private static Step withTerms(Setup s, int[] terms) {
        return in -> {
            Tensor y = s.xs[0].mul(s.w);
            for (int k = 0; k < terms[0]; k++) {
                y = y.add(s.xs[0].pow(2 + k).mul(s.w));
            }
            Tensor loss = y.sum();
            s.opt.zeroGrad();
            loss.backward();
            s.opt.step();
            return loss;
        };
    }

    @Test
    void recordedTracesStayBoundedWhenPlansAreEvicted() {
        Setup s = new Setup(0);
        int[] terms = {0};
        CompiledFunction f = Kiln.compile(withTerms(s, terms), CompiledFunction.Mode.DYNAMIC, 2);
        int[] sizes = new int[3];
        for (int round = 0; round < 3; round++) {
            for (int t = 0; t < 5; t++) {
                terms[0] = t;
                f.call();
            }
            sizes[round] = f.recordedSteps();
        }
        assertEquals(15, f.compilations(), "5 structures, room for 2: every call misses");
        assertEquals(sizes[0], sizes[1]);
        assertEquals(sizes[1], sizes[2]);
        // an unbounded record would hold all five structures; two plans' worth of traces is less
        CompiledFunction g = Kiln.compile(withTerms(new Setup(0), new int[] {4}), CompiledFunction.Mode.DYNAMIC);
        g.call();
        assertTrue(sizes[2] < 2 * g.recordedSteps(), sizes[2] + " steps kept for 2 plans; one 5-term trace has "
                + g.recordedSteps());
    }

    @Test
    void prepareCompilesWithoutRunningOrChangingAnything() {
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            Setup s = new Setup(1);
            CompiledFunction f = Kiln.compile(s.step(), mode);
            double[] w = s.w.toDoubleArray();
            assertEquals(false, f.prepare(), mode + ": the first prepare compiles");
            assertEquals(true, f.prepare(), mode + ": then the plan is there");
            assertEquals(1, f.compilations());
            assertEquals(java.util.Arrays.toString(w), java.util.Arrays.toString(s.w.toDoubleArray()), "nothing ran");
            assertEquals(null, s.w.grad(), "tracing restored the gradient");
            f.call();
            assertEquals(1, f.compilations(), mode + ": the call used the prepared plan");
        }
    }

    @Test
    void aLearningRateScheduleNeitherRecompilesNorGrowsTheRecord() {
        Setup s = new Setup(1);
        CompiledFunction f = Kiln.compile(s.step(), CompiledFunction.Mode.DYNAMIC);
        f.call();
        int size = f.recordedSteps();
        for (int i = 1; i < 20; i++) {
            s.opt.setLr(0.01 / i);
            f.call();
        }
        assertEquals(1, f.compilations());
        assertEquals(size, f.recordedSteps());
    }

    @Test
    void optionsThatChangeTheUpdatesOpsChangeTheStructure() {
        Setup eager = new Setup(0);
        Setup compiled = new Setup(0);
        Step eagerStep = eager.step();
        CompiledFunction f = Kiln.compile(compiled.step(), CompiledFunction.Mode.DYNAMIC);
        SGD.Options[] options = {SGD.Options.lr(0.01).withMomentum(0.9), SGD.Options.lr(0.01),
            SGD.Options.lr(0.02).withWeightDecay(0.1), SGD.Options.lr(0.01).withMomentum(0.5).withNesterov(true)};
        for (int i = 0; i < 12; i++) {
            for (Setup s : List.of(eager, compiled)) {
                ((SGD) s.opt).paramGroups().getFirst().setOptions(options[i % options.length]);
            }
            assertClose(eagerStep.apply(), f.call(), "loss " + i);
            assertClose(eager.w, compiled.w, "w " + i);
        }
        assertEquals(options.length, f.compilations());
    }

    @Test
    void customFunctionsAreTracedEveryCallWithoutGrowingTheRecord() {
        Tensor x = Tensor.of(0.5, -1.0, 2.0);
        Tensor w = Tensor.of(1.0, 1.0, 1.0).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.01, 0.9);
        CompiledFunction f = Kiln.compile(in -> {
            Tensor loss = new CustomFunctionTest.P3().apply(x.mul(w)).sum();
            opt.zeroGrad();
            loss.backward();
            opt.step();
            return loss;
        }, CompiledFunction.Mode.DYNAMIC);
        Tensor we = Tensor.of(1.0, 1.0, 1.0).requiresGrad_(true);
        SGD eagerOpt = new SGD(List.of(we), 0.01, 0.9);
        int size = -1;
        for (int i = 0; i < 10; i++) {
            Tensor loss = new CustomFunctionTest.P3().apply(x.mul(we)).sum();
            eagerOpt.zeroGrad();
            loss.backward();
            eagerOpt.step();
            assertClose(loss, f.call(), "loss " + i);
            assertClose(we, w, "w " + i);
            if (i == 1) {
                size = f.recordedSteps();
            }
        }
        assertEquals(size, f.recordedSteps());
        assertEquals(1, f.compilations());
    }

    /** Plain SGD whose update, only when {@code damp} is set, halves the gradient: a user optimizer with its own field. */
    static final class DampedSgd extends Optimizer<SGD.Options> {
        boolean damp;

        DampedSgd(List<Tensor> params, double lr) {
            super(single(params, SGD.Options.lr(lr)));
        }

        @Override
        protected Map<String, Tensor> initialState(Tensor param, SGD.Options options) {
            return Map.of();
        }

        @Override
        protected Update update(Tensor p, Tensor grad, Map<String, Tensor> state, ParamGroup<SGD.Options> group) {
            Tensor g = damp ? grad.mul(0.5) : grad;
            return new Update(p.sub(g.mul(group.hyper("lr"))), state);
        }
    }

    @Test
    void aUserOptimizerIsTracedEveryCallSoItsOwnFieldsCount() {
        Tensor x = Tensor.of(3.0, -2.0);
        Tensor w = Tensor.of(1.0, 1.0).requiresGrad_(true);
        DampedSgd opt = new DampedSgd(List.of(w), 0.1);
        CompiledFunction f = Kiln.compile(in -> {
            Tensor loss = x.mul(w).sum();
            opt.zeroGrad();
            loss.backward();
            opt.step();
            return loss;
        }, CompiledFunction.Mode.DYNAMIC);
        f.call();
        assertClose(Tensor.of(1 - 0.3, 1 + 0.2), w, "plain");
        opt.damp = true;
        f.call();
        assertClose(Tensor.of(0.7 - 0.15, 1.2 + 0.1), w, "halved");
        assertEquals(2, f.compilations());
    }
}
