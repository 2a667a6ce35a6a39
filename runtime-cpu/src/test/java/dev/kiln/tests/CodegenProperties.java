package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;
import dev.kiln.autodiff.Autodiff;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.pass.Pipeline;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Compiled plans (fused bytecode kernels) agree with the reference interpreter on random forward and gradient graphs. */
public class CodegenProperties {
    /** A random program on two inputs of broadcastable shapes, its data seed and dtype (the CUDA tests draw the same). */
    public record Example(RandomProgram program, Shape[] shapes, long dataSeed, DType dtype) {
        /** The program's graph on inputs x and y, and the graph of its gradients with respect to both. */
        public List<Graph> forwardAndGradient() {
            GraphBuilder b = new GraphBuilder();
            Ops o = new Ops(b);
            Node x = b.input("x", new TensorType(shapes[0], dtype));
            Node y = b.input("y", new TensorType(shapes[1], dtype));
            Node out = program.apply(RandomProgram.nodes(o), x, y);
            Graph forward = b.build(out);
            return List.of(forward, Autodiff.gradientGraph(forward, out, List.of(x, y)));
        }

        /** Standard normal values for x and y from the data seed. */
        public List<TensorData> inputs() {
            return List.of(Tensors.data(Props.normal(shapes[0], dataSeed).to(dtype)), Tensors.data(Props.normal(shapes[1], dataSeed + 1).to(dtype)));
        }

        @Override
        public String toString() {
            return program + " on " + java.util.Arrays.toString(shapes) + " " + dtype + ", values from seed " + dataSeed;
        }
    }

    /** Programs of 2 to 9 steps with kinks, at broadcast pairs of awkward shapes, float32 or float64. */
    public static Gen<Example> examples() {
        Gen<RandomProgram> programs = Props.seeds().zip(Generate.range(2, 10), (s, n) -> new RandomProgram(s, n, true));
        return programs.zip(Props.broadcastPair(), Props.seeds(), Generate.pick(List.of(DType.FLOAT32, DType.FLOAT64)), Example::new);
    }

    @Test
    void compiledPlansMatchTheInterpreter() {
        Props.check("compiled equals interpreted", 200, examples(), e -> {
            List<TensorData> in = e.inputs();
            for (Graph g : e.forwardAndGradient()) {
                Graph optimized = Pipeline.standard(true).run(g);
                List<TensorData> expected = Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1)));
                List<TensorData> actual = new CompiledPlan(optimized).run(in);
                for (int i = 0; i < expected.size(); i++) {
                    assertClose(expected.get(i), actual.get(i), e.dtype() == DType.FLOAT32 ? 2e-5 : 1e-12, i);
                }
            }
        });
    }

    private static void assertClose(TensorData a, TensorData b, double rtol, int output) {
        assertEquals(a.shape(), b.shape());
        for (int i = 0; i < a.shape().numel(); i++) {
            double u = a.getDouble(i);
            double v = b.getDouble(i);
            if (!(Math.abs(u - v) <= rtol * Math.max(1, Math.abs(u))) && !(Double.isNaN(u) && Double.isNaN(v))) {
                throw new AssertionError("output " + output + " element " + i + ": interpreter " + u + ", compiled " + v);
            }
        }
    }

    @Test
    void theSeedsTrainingStepIsOneKernel() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        TensorType scalar = new TensorType(Shape.scalar(), DType.FLOAT32);
        Node x = b.input("x", new TensorType(Shape.of(2000), DType.FLOAT32));
        Node y = b.input("y", new TensorType(Shape.of(2000), DType.FLOAT32));
        Node[] w = new Node[4];
        for (int i = 0; i < 4; i++) {
            w[i] = b.input("w" + i, scalar);
        }
        Node pred = o.add(o.add(o.add(w[0], o.mul(w[1], x)), o.mul(w[2], o.pow(x, 2))), o.mul(w[3], o.pow(x, 3)));
        Node loss = o.sumAll(o.pow(o.sub(pred, y), 2));
        Graph grads = Autodiff.gradientGraph(b.build(loss), loss, List.of(w));
        GraphBuilder step = new GraphBuilder(grads);
        Ops s = new Ops(step);
        Node[] outs = new Node[5];
        outs[0] = loss;
        for (int i = 0; i < 4; i++) {
            outs[i + 1] = s.sub(w[i], s.mul(grads.outputs().get(i), 1e-6));
        }
        Plan plan = new CompiledPlan(Pipeline.standard(true).run(step.build(outs))).plan();
        assertEquals("1 fused loop kernel(s), 0 scalar-only kernel(s), 0 single op(s)", plan.summary(),
                plan.describe());
        Plan.KernelStep k = (Plan.KernelStep) plan.steps().stream().filter(st -> st instanceof Plan.KernelStep).findFirst().orElseThrow();
        assertEquals(5, k.kernel().reductions().size());
        assertTrue(k.kernel().epilogue().size() >= 4, "the four updates run after the loop: " + k.kernel().describe());
        assertTrue(k.kernel().stores().isEmpty(), "nothing of size 2000 is written");
    }

    @Test
    void matmulKernelsWithFusedEpiloguesMatchTheInterpreter() {
        Gen<Integer> d = Generate.pick(List.of(1, 2, 3, 5, 13, 33, 70));
        Gen<int[]> dims = d.zip(d, d, (n, k, m) -> new int[] {n, k, m}).zip(Generate.range(0, 2), Generate.range(1, 3),
                (a, transposed, batch) -> new int[] {a[0], a[1], a[2], transposed, batch});
        Props.check("matmul kernels", 60, dims.zip(Props.seeds(), (a, seed) -> new long[] {a[0], a[1], a[2], a[3], a[4], seed}), p -> {
            int n = (int) p[0];
            int k = (int) p[1];
            int m = (int) p[2];
            boolean transposed = p[3] == 1;
            int batch = (int) p[4];
            GraphBuilder b = new GraphBuilder();
            Ops o = new Ops(b);
            Node x = b.input("x", new TensorType(Shape.of(batch, n, k), DType.FLOAT32));
            Node w = b.input("w", new TensorType(transposed ? Shape.of(m, k) : Shape.of(k, m), DType.FLOAT32));
            Node bias = b.input("bias", new TensorType(Shape.of(m), DType.FLOAT32));
            Node wv = transposed ? o.transposeLast(w) : w;
            Node y = o.matmul(x, o.expand(wv, Shape.of(batch, k, m)));
            Node act = o.unary(new dev.kiln.ir.Unary.Tanh(), o.add(y, bias));
            Node loss = o.sumAll(o.mul(act, act));
            Graph forward = b.build(loss, act);
            Graph grads = Autodiff.gradientGraph(b.build(loss), loss, List.of(x, w, bias));
            List<TensorData> in = List.of(Tensors.data(Props.normal(Shape.of(batch, n, k), p[5]).to(DType.FLOAT32)),
                    Tensors.data(Props.normal(transposed ? Shape.of(m, k) : Shape.of(k, m), p[5] + 1).to(DType.FLOAT32)),
                    Tensors.data(Props.normal(Shape.of(m), p[5] + 2).to(DType.FLOAT32)));
            for (Graph g : List.of(forward, grads)) {
                List<TensorData> expected = Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1), 2, in.get(2)));
                CompiledPlan plan = new CompiledPlan(Pipeline.standard(true).run(g));
                List<TensorData> actual = plan.run(in);
                for (int i = 0; i < expected.size(); i++) {
                    // compiled float32 tanh is within 4e-7 of the exact one (FloatTanhTest); its gradient,
                    // 1 - tanh², loses relative precision near saturation, so gradients get 1e-4
                    assertClose(expected.get(i), actual.get(i), g == forward ? 2e-5 : 1e-4, i);
                }
                assertTrue(!plan.describe().contains("interpreted matMul"), plan.describe());
                if (g == forward) {
                    boolean large = k >= 8 && n >= 2 && m >= 2
                            && (long) n * k * m >= dev.kiln.codegen.kernel.FusionPlanner.GEMM_MIN_FLOPS;
                    assertEquals(large, plan.describe().contains("gemm"), "large products are GEMMs: " + plan.describe());
                }
            }
        });
    }

    @Test
    void longChainsAreSplitToFitTheMethodLimit() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", new TensorType(Shape.of(100), DType.FLOAT64));
        Node y = x;
        for (int i = 0; i < 600; i++) {
            // unrolled powers and branches make big methods: the plan is redone with smaller loops
            // until every kernel's class stays under HotSpot's huge-method limit (so it gets compiled)
            Node t = o.unary(new dev.kiln.ir.Unary.Tanh(), y);
            y = o.add(o.mul(y, 0.5), o.where(o.compare(new dev.kiln.ir.Compare.Gt(), t, o.constant(0, DType.FLOAT64)),
                    o.pow(t, 15.0), o.pow(t, 13.0)));
        }
        Graph g = b.build(o.sumAll(y));
        CompiledPlan plan = new CompiledPlan(g);
        long kernels = plan.plan().steps().stream().filter(s -> s instanceof Plan.KernelStep).count();
        int largest = plan.plan().steps().stream().filter(s -> s instanceof Plan.KernelStep)
                .mapToInt(s -> ((Plan.KernelStep) s).kernel().body().size()).max().orElse(0);
        assertTrue(kernels > 1 && largest < dev.kiln.codegen.kernel.FusionPlanner.MAX_BODY, plan.plan().summary() + ", largest " + largest);
        TensorData in = Tensors.data(Props.normal(Shape.of(100), 5));
        assertClose(Interpreter.run(g, Map.of(0, in)).getFirst(), plan.run(List.of(in)).getFirst(), 1e-12, 0);
    }

    @Test
    void buffersWithDisjointLifetimesShareArrays() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", new TensorType(Shape.of(64, 8), DType.FLOAT32));
        // each transpose of a loop value needs it stored; a's array is free once the second loop has read it
        Node a = o.exp(x);
        Node t1 = o.add(o.transposeLast(a), o.constant(1, DType.FLOAT32));
        Node t2 = o.mul(o.transposeLast(t1), 2.0);
        Node t3 = o.sub(o.transposeLast(t2), o.constant(3, DType.FLOAT32));
        Graph g = b.build(t3);
        CompiledPlan plan = new CompiledPlan(g);
        assertTrue(plan.sharedBuffers() >= 1, plan.describe());
        TensorData in = Tensors.data(Props.normal(Shape.of(64, 8), 3).to(DType.FLOAT32));
        for (int run = 0; run < 2; run++) {
            assertClose(Interpreter.run(g, Map.of(0, in)).getFirst(), plan.run(List.of(in)).getFirst(), 2e-5, 0);
        }
    }

    @Test
    void generatedClassesPassTheVerifier() throws Exception {
        assertTrue(Boolean.getBoolean("kiln.checkBytecode"), "the test suite runs with -Dkiln.checkBytecode=true");
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", new TensorType(Shape.of(3, 5), DType.FLOAT32));
        Node m = o.max(o.where(o.compare(new dev.kiln.ir.Compare.Gt(), x, o.constant(0, DType.FLOAT32)), x, o.neg(x)),
                dev.kiln.ir.Axes.of(0, 1), false);
        for (byte[] bytes : CompiledPlan.classFiles(b.build(m))) {
            java.io.StringWriter report = new java.io.StringWriter();
            org.objectweb.asm.util.CheckClassAdapter.verify(new org.objectweb.asm.ClassReader(bytes),
                    CompiledPlan.class.getClassLoader(), false, new java.io.PrintWriter(report));
            assertEquals("", report.toString());
        }
        Tensor t = Tensor.arange(15).to(DType.FLOAT32).sub(9.0).reshape(3, 5);
        assertEquals(9.0, new CompiledPlan(b.build(m)).run(List.of(Tensors.data(t))).getFirst().getDouble(0));
    }
}
