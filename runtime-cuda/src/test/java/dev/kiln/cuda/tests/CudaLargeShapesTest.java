package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.autodiff.Autodiff;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.emu.Compare;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.cuda.emu.Nvcc;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Index;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import dev.kiln.pass.Pipeline;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.Props;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Shapes that leave partial blocks and partial tiles, up to about 10⁵ elements: many blocks of
 * full reductions, both forms of reductions over axes, GEMM tiles cut at every edge (with an
 * epilogue, transposed operands, batches), an MLP's gradients, gathers; each at float32 and float64,
 * against the interpreter. One library for the class.
 */
class CudaLargeShapesTest {
    record Case(String name, Graph graph, List<TensorData> inputs, CudaPlan cuda) {
    }

    private static final Map<String, Case> CASES = new LinkedHashMap<>();
    private static Emulator emulator;

    private static void add(String name, DType t, List<Shape> shapes, BiFunction<Ops, Node[], List<Node>> build) {
        addGraph(name, t, shapes, (o, in) -> o.builder().build(build.apply(o, in)));
    }

    private static void addGraph(String name, DType t, List<Shape> shapes, BiFunction<Ops, Node[], Graph> build) {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node[] in = new Node[shapes.size()];
        List<TensorData> values = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            in[i] = b.input("in" + i, new TensorType(shapes.get(i), t));
            values.add(Tensors.data(Props.normal(shapes.get(i), 31 + i).to(t)));
        }
        Graph g = build.apply(o, in);
        Graph optimized = Pipeline.standard(true).run(g);
        String key = name + " " + t;
        CASES.put(key, new Case(key, g, values, CudaEmitter.emit(new CompiledPlan(optimized).plan())));
    }

    private static Node relu(Ops o, Node x) {
        return o.binary(new Binary.Maximum(), x, 0.0);
    }

    @BeforeAll
    static void build() {
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
            add("elementwise and full reductions over 99991", t, List.of(Shape.of(99991), Shape.of(99991)),
                    (o, x) -> List.of(o.mul(o.exp(o.mul(x[0], 0.1)), x[1]), o.sumAll(o.mul(x[0], x[1])),
                            o.max(o.sub(x[0], x[1]), Axes.of(0), false)));
            add("sums over each axis of [317, 301]", t, List.of(Shape.of(317, 301)),
                    (o, x) -> List.of(o.sum(o.mul(x[0], x[0]), Axes.of(0), false), o.sum(o.exp(x[0]), Axes.of(1), true),
                            o.max(x[0], Axes.of(1), false)));
            add("short reductions of [2600, 37] and [3, 5, 4001]", t, List.of(Shape.of(2600, 37), Shape.of(3, 5, 4001)),
                    (o, x) -> List.of(o.sum(x[0], Axes.of(1), false), o.max(o.neg(x[0]), Axes.of(1), true),
                            o.sum(x[1], Axes.of(0, 2), false), o.sum(o.mul(x[1], 2.0), Axes.of(1), false)));
            add("relu(x @ w + b) over partial tiles", t, List.of(Shape.of(131, 75), Shape.of(75, 67), Shape.of(67)),
                    (o, x) -> List.of(relu(o, o.add(o.matmul(x[0], x[1]), x[2]))));
            add("transposed operands", t, List.of(Shape.of(75, 131), Shape.of(67, 75)),
                    (o, x) -> List.of(o.matmul(o.transposeLast(x[0]), o.transposeLast(x[1]))));
            add("a batched GEMM", t, List.of(Shape.of(3, 70, 33), Shape.of(3, 33, 65)), (o, x) -> List.of(o.matmul(x[0], x[1])));
            addGraph("an MLP's gradients", t, List.of(Shape.of(257, 20), Shape.of(20, 48), Shape.of(48), Shape.of(48, 3), Shape.of(257, 3)),
                    (o, x) -> {
                        Node h = o.unary(new Unary.Tanh(), o.add(o.matmul(x[0], x[1]), x[2]));
                        Node d = o.sub(o.matmul(h, x[3]), x[4]);
                        Node loss = o.sumAll(o.mul(d, d));
                        Graph f = o.builder().build(loss);
                        return Autodiff.gradientGraph(f, loss, List.of(x[1], x[2], x[3]));
                    });
            add("gather and scatter-add over [513, 10]", t, List.of(Shape.of(513, 10), Shape.of(513, 3)), (o, x) -> {
                Node idx = o.cast(o.mul(o.unary(new Unary.Abs(), o.unary(new Unary.Sin(), x[1])), 9.99), DType.INT64);
                Node picked = o.builder().add(new Index.Gather(1), x[0], idx);
                Node spread = o.builder().add(new Index.ScatterAdd(1, 10), idx, o.exp(picked));
                return List.of(picked, spread);
            });
        }
        emulator = Emulator.available() ? Emulator.compile(CASES.values().stream().map(c -> c.cuda().module()).toList()) : null;
    }

    @AfterAll
    static void close() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void largeAndAwkwardShapesMatchTheInterpreter() {
        org.junit.jupiter.api.Assumptions.assumeTrue(emulator != null, "g++ is not on the PATH: the CUDA emulator cannot run");
        Map<DType, Compare> stats = new HashMap<>();
        for (Case c : CASES.values()) {
            Map<Integer, TensorData> bound = new HashMap<>();
            for (int i = 0; i < c.inputs().size(); i++) {
                bound.put(i, c.inputs().get(i));
            }
            List<TensorData> expected = Interpreter.run(c.graph(), bound);
            DType t = c.inputs().getFirst().dtype();
            stats.computeIfAbsent(t, x -> new Compare()).check(expected, emulator.run(c.cuda(), c.inputs()), t == DType.FLOAT32 ? 2e-6 : 1e-12,
                    c.name());
        }
        System.out.println("CUDA emulator, large shapes: float32 " + stats.get(DType.FLOAT32) + "; float64 " + stats.get(DType.FLOAT64));
    }

    @Test
    void theGemmsAreTiledKernelsWithTheirEpilogue() {
        CudaPlan p = CASES.get("relu(x @ w + b) over partial tiles " + DType.FLOAT32).cuda();
        assertTrue(p.plan().steps().stream().anyMatch(s -> s instanceof Plan.MatMulStep m && m.epilogue() != null), p.plan().describe());
        CudaPlan.Launch gemm = p.launches().stream().filter(l -> l.entry().startsWith("g")).findFirst().orElseThrow();
        // 67 columns and 131 rows in 64-wide tiles: 2 x 3 blocks of 16 x 16 threads
        assertEquals(List.of(2, 3, 1, 16, 16, 1), List.of(gemm.grid()[0], gemm.grid()[1], gemm.grid()[2], gemm.block()[0], gemm.block()[1],
                gemm.block()[2]));
        assertTrue(p.module().source().contains("__shared__ double as[16][64]"), "operand tiles in shared memory");
    }

    @Test
    void theseKernelsCompileWithNvcc() {
        List<CudaModule> modules = CASES.values().stream().map(c -> c.cuda().module()).toList();
        List<Nvcc.Usage> usage = Nvcc.compileAll(modules);
        assertTrue(usage.size() >= modules.size(), usage.toString());
    }

    @Test
    void anIndexOutOfRangeFailsTheRunWithAClearError() {
        org.junit.jupiter.api.Assumptions.assumeTrue(emulator != null, "g++ is not on the PATH: the CUDA emulator cannot run");
        // indices from the data, one of them (12) past the gathered dimension's 10
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", TensorType.of(DType.FLOAT64, 4, 10));
        Node i = b.input("i", TensorType.of(DType.FLOAT64, 4, 2));
        Graph g = b.build(o.builder().add(new Index.Gather(1), x, o.cast(i, DType.INT64)));
        CudaPlan plan = CudaEmitter.emit(new CompiledPlan(Pipeline.standard(true).run(g)).plan());
        try (Emulator one = Emulator.compile(List.of(plan.module()))) {
            TensorData xs = Tensors.data(Props.normal(Shape.of(4, 10), 1));
            TensorData is = Tensors.data(dev.kiln.Tensor.of(new double[] {0, 1, 2, 3, 4, 5, 6, 12}).reshape(4, 2));
            KilnException e = assertThrows(KilnException.class, () -> one.run(plan, List.of(xs, is)));
            assertTrue(e.getMessage().contains("gather") && e.getMessage().contains("12"), e.getMessage());
        }
    }
}
