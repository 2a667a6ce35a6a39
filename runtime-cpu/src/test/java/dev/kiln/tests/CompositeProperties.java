package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Autograd;
import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;
import dev.kiln.autodiff.Autodiff;
import dev.kiln.testing.GradCheck;
import dev.kiln.cpu.Interpreter;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Verifier;
import dev.kiln.pass.Pipeline;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Random composite programs: gradients (first and second order) against finite differences; passes against the interpreter. */
class CompositeProperties {
    record Example(RandomProgram program, Shape[] shapes, long dataSeed) {
        @Override
        public String toString() {
            return program + " on " + java.util.Arrays.toString(shapes) + ", values from seed " + dataSeed;
        }
    }

    private static Gen<Example> examples(boolean withKinks) {
        Gen<RandomProgram> programs = Props.seeds().zip(Generate.range(2, 8),
                (s, n) -> new RandomProgram(s, n, withKinks));
        return programs.zip(Props.broadcastPair(), Props.seeds(), Example::new);
    }

    private static List<Tensor> inputs(Example e) {
        return List.of(Props.normal(e.shapes()[0], e.dataSeed()), Props.normal(e.shapes()[1], e.dataSeed() + 1));
    }

    @Test
    void compositeGraphsPassGradCheck() {
        Props.check("composite gradients", 120, examples(true), e -> GradCheck.check(
                xs -> e.program().apply(RandomProgram.TENSORS, xs.get(0), xs.get(1)), inputs(e), GradCheck.defaults())
                .assertPassed());
    }

    @Test
    void secondDerivativesPassGradCheck() {
        // d/dx of (grad f(x) . w): differentiates the gradient graph itself.
        Props.check("second derivatives", 60, examples(false), e -> {
            List<Tensor> in = inputs(e);
            Tensor w = Props.normal(e.shapes()[0], e.dataSeed() + 7);
            GradCheck.check(xs -> {
                // The inner gradient needs recording even where GradCheck evaluates without grad.
                try (var on = Kiln.enableGrad()) {
                    Tensor x = xs.get(0).requiresGrad() ? xs.get(0) : xs.get(0).requiresGrad_(true);
                    Tensor f = e.program().apply(RandomProgram.TENSORS, x, xs.get(1));
                    Tensor zero = xs.get(0).mul(0.0).sum();
                    if (!f.requiresGrad()) {
                        return zero;
                    }
                    Tensor g = Autograd.grad(f, List.of(x), null, true, true, true).get(0);
                    return g == null ? zero : g.mul(w).sum().add(zero);
                }
            }, in, GradCheck.defaults().withTolerance(1e-4, 1e-3)).assertPassed();
        });
    }

    @Test
    void passesPreserveTheInterpretersResults() {
        Props.check("passes preserve results", 150, examples(true), e -> {
            GraphBuilder b = new GraphBuilder();
            Ops o = new Ops(b);
            Node x = b.input("x", new TensorType(e.shapes()[0], DType.FLOAT64));
            Node y = b.input("y", new TensorType(e.shapes()[1], DType.FLOAT64));
            Node out = e.program().apply(RandomProgram.nodes(o), x, y);
            Graph forward = Verifier.verify(b.build(out), "build");
            Graph gradient = Verifier.verify(Autodiff.gradientGraph(forward, out, List.of(x, y)), "autodiff");
            List<Tensor> in = inputs(e);
            Map<Integer, TensorData> bind = Map.of(0, Tensors.data(in.get(0)), 1, Tensors.data(in.get(1)));
            for (Graph g : List.of(forward, gradient)) {
                Graph optimized = Pipeline.standard(true).run(g);
                List<TensorData> before = Interpreter.run(g, bind);
                List<TensorData> after = Interpreter.run(optimized, bind);
                assertEquals(before.size(), after.size());
                for (int i = 0; i < before.size(); i++) {
                    assertClose(before.get(i), after.get(i));
                }
                if (optimized.nodes().size() > g.nodes().size()) {
                    throw new AssertionError("the pipeline grew the graph:\n" + g + "\nto\n" + optimized);
                }
            }
        });
    }

    private static void assertClose(TensorData a, TensorData b) {
        assertEquals(a.shape(), b.shape());
        for (int i = 0; i < a.shape().numel(); i++) {
            double u = a.getDouble(i);
            double v = b.getDouble(i);
            if (!(Math.abs(u - v) <= 1e-12 * Math.max(1, Math.abs(u))) && !(Double.isNaN(u) && Double.isNaN(v))) {
                throw new AssertionError("element " + i + ": " + u + " before the passes, " + v + " after");
            }
        }
    }
}
