package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.emu.Compare;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Call;
import dev.kiln.ir.Draw;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.OpConformanceTest;
import dev.kiln.tests.Props;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The CUDA column of the op conformance table: every primitive runs through the CUDA emitter and
 * the emulator to what the interpreter computes, whether fused or as a single-op step; elementwise
 * ops without transcendentals to the same bits.
 */
class CudaConformanceTest {
    /** Primitives with no CUDA example here, and why. */
    private static final Map<Class<?>, String> NO_CUDA = Map.of(
            Call.class, "a custom function's Java code: inline-calls replaces it by its traced forward before planning "
                    + "(a plan with one is refused: aCallStepIsRefused)",
            dev.kiln.ir.Collective.AllReduce.class, "collectives run eagerly through NCCL (CudaCollectives, tested in NcclTest); compiled plans refuse them (the emitter)");

    /** Transcendentals: the host's libm here, CUDA's on a GPU; within a few ulps of the interpreter's Java ones. */
    static final Set<String> ULPS = Set.of("Tanh", "Erf", "Sin", "Cos", "Exp", "Expm1", "Log", "Log1p", "Pow", "Random", "Draw");

    private static Map<Class<?>, BiFunction<Ops, Node[], Node>> examples() {
        return examples(DType.FLOAT64);
    }

    /** Every primitive's example, its random draws of {@code random} (the inputs' dtype). */
    static Map<Class<?>, BiFunction<Ops, Node[], Node>> examples(DType random) {
        Map<Class<?>, BiFunction<Ops, Node[], Node>> e = new LinkedHashMap<>(OpConformanceTest.examples());
        e.keySet().removeAll(NO_CUDA.keySet());
        e.put(Leaf.Random.class, (o, in) -> o.add(in[0], o.builder().add(new Leaf.Random(Leaf.Distribution.NORMAL, 7, 12,
                TensorType.of(random, 3, 5)))));
        e.put(Draw.class, (o, in) -> {
            Node seed = o.cast(o.sumAll(o.mul(in[1], 0.0)), DType.INT64); // 0, as an int64 scalar computed on the device
            Node offset = o.add(seed, o.constant(40, DType.INT64));
            Node u = o.builder().add(new Draw(Leaf.Distribution.UNIFORM, TensorType.of(DType.FLOAT32, 3, 5)), seed, offset);
            Node n = o.builder().add(new Draw(Leaf.Distribution.NORMAL, TensorType.of(random, 3, 5)), seed, offset);
            return o.add(o.cast(u, random), n);
        });
        return e;
    }

    @Test
    void everyPrimitiveRunsOnCudaAsTheInterpreterComputesIt() {
        Map<Class<?>, BiFunction<Ops, Node[], Node>> examples = examples();
        Set<String> missing = new TreeSet<>();
        for (Class<?> p : OpConformanceTest.primitives()) {
            if (!examples.containsKey(p) && !NO_CUDA.containsKey(p)) {
                missing.add(p.getName());
            }
        }
        assertEquals(Set.of(), missing, "primitives with no CUDA example (add one)");
        Assumptions.assumeTrue(Emulator.available(), "g++ is not on the PATH: the CUDA emulator cannot run");
        Map<Class<?>, Graph> graphs = new LinkedHashMap<>();
        Map<Class<?>, CudaPlan> plans = new LinkedHashMap<>();
        examples.forEach((op, build) -> {
            GraphBuilder b = new GraphBuilder();
            Node[] in = {b.input("x", TensorType.of(DType.FLOAT64, 3, 5)), b.input("y", TensorType.of(DType.FLOAT64, 3, 5))};
            Graph g = b.build(build.apply(new Ops(b), in));
            assertTrue(g.nodes().stream().anyMatch(n -> n.op().getClass() == op), op + " is in its example");
            graphs.put(op, g);
            plans.put(op, CudaEmitter.emit(new CompiledPlan(g).plan()));
        });
        TensorData x = Tensors.data(Props.normal(Shape.of(3, 5), 1));
        TensorData y = Tensors.data(Props.normal(Shape.of(3, 5), 2));
        Compare exact = new Compare();
        Compare ulps = new Compare();
        try (Emulator emu = Emulator.compile(plans.values().stream().map(CudaPlan::module).toList())) {
            graphs.forEach((op, g) -> {
                List<TensorData> expected = Interpreter.run(g, Map.of(0, x, 1, y));
                List<TensorData> actual = emu.run(plans.get(op), List.of(x, y));
                if (ULPS.contains(op.getSimpleName())) {
                    ulps.check(expected, actual, 1e-14, op.getSimpleName());
                } else {
                    exact.check(expected, actual, 0, op.getSimpleName());
                }
            });
        }
        assertEquals(exact.elements, exact.identical, "bit-identical where no transcendental is involved");
        System.out.println("CUDA conformance: exact ops " + exact + "; transcendentals " + ulps);
    }

    @Test
    void everyPrimitiveKeepsNanAndInfinitiesAsTheInterpreter() {
        // kiln_max/kiln_min propagate NaN as Java's Math.max/min (fmax would drop it), in fused and block reductions too
        Assumptions.assumeTrue(Emulator.available(), "g++ is not on the PATH: the CUDA emulator cannot run");
        Map<String, BiFunction<Ops, Node[], Node>> cases = new LinkedHashMap<>();
        examples().forEach((op, build) -> {
            // gather's and scatterAdd's examples turn y into positions: NaN and ∞ are out of range (max pooling's take them)
            if (op != dev.kiln.ir.Index.Gather.class && op != dev.kiln.ir.Index.ScatterAdd.class) {
                cases.put(op.getSimpleName(), build);
            }
        });
        cases.putAll(OpConformanceTest.fusedMaxima());
        Map<String, Graph> graphs = new LinkedHashMap<>();
        Map<String, CudaPlan> plans = new LinkedHashMap<>();
        cases.forEach((name, build) -> {
            GraphBuilder b = new GraphBuilder();
            Node[] in = {b.input("x", TensorType.of(DType.FLOAT64, 3, 5)), b.input("y", TensorType.of(DType.FLOAT64, 3, 5))};
            Graph g = b.build(build.apply(new Ops(b), in));
            graphs.put(name, g);
            plans.put(name, CudaEmitter.emit(new CompiledPlan(g).plan()));
        });
        List<TensorData> in = OpConformanceTest.nanInfInputs();
        Compare all = new Compare();
        try (Emulator emu = Emulator.compile(plans.values().stream().map(CudaPlan::module).distinct().toList())) {
            graphs.forEach((name, g) -> all.check(Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1))), emu.run(plans.get(name), in),
                    ULPS.contains(name) ? 1e-14 : 0, name));
        }
        System.out.println("CUDA conformance on NaN and infinities: " + all);
    }

    @Test
    void everyPrimitivesKernelsCompileWithNvcc() {
        List<CudaModule> modules = examples().entrySet().stream().map(e -> {
            GraphBuilder b = new GraphBuilder();
            Node[] in = {b.input("x", TensorType.of(DType.FLOAT64, 3, 5)), b.input("y", TensorType.of(DType.FLOAT64, 3, 5))};
            return CudaEmitter.emit(new CompiledPlan(b.build(e.getValue().apply(new Ops(b), in))).plan()).module();
        }).toList();
        assertTrue(dev.kiln.cuda.emu.Nvcc.compileAll(modules).size() >= modules.size());
    }

    @Test
    void aCallStepIsRefused() {
        Plan plan = new Plan(List.of(new Plan.Buffer(DType.FLOAT64, Shape.of(2)), new Plan.Buffer(DType.FLOAT64, Shape.of(2))), 0,
                List.of(new Plan.OpStep(new Call(new dev.kiln.ir.Invocation() {
                    @Override
                    public Class<?> functionClass() {
                        return CudaConformanceTest.class;
                    }

                    @Override
                    public Node inlinedForward() {
                        return null;
                    }
                }, List.of(TensorType.of(DType.FLOAT64, 2)), TensorType.of(DType.FLOAT64, 2)),
                        List.of(0), 1)), List.of(0), List.of(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaEmitter.emit(plan));
        assertTrue(e.getMessage().contains("inline-calls"), e.getMessage());
    }

    @Test
    void aSingleOpKernelServesEveryShape() {
        // an int64 product (never fused): one module text for three shapes, compiled once, right at each
        Map<Shape, CudaPlan> plans = new LinkedHashMap<>();
        Map<Shape, Graph> graphs = new LinkedHashMap<>();
        for (Shape s : List.of(Shape.of(3, 5), Shape.of(1000), Shape.of(7, 1, 130))) {
            GraphBuilder b = new GraphBuilder();
            Ops o = new Ops(b);
            Node a = b.input("a", new TensorType(s, DType.INT64));
            Node c = b.input("c", new TensorType(s, DType.INT64));
            Graph g = b.build(o.mul(o.add(a, c), c));
            graphs.put(s, g);
            plans.put(s, CudaEmitter.emit(new CompiledPlan(g).plan()));
        }
        List<CudaModule> modules = plans.values().stream().map(CudaPlan::module).distinct().toList();
        assertEquals(1, modules.size(), "one module for every shape:\n" + plans.values().iterator().next().describe());
        Assumptions.assumeTrue(Emulator.available(), "g++ is not on the PATH: the CUDA emulator cannot run");
        try (Emulator emu = Emulator.compile(modules)) {
            plans.forEach((s, p) -> {
                TensorData a = Tensors.data(Props.normal(s, 3).mul(1000).to(DType.INT64));
                TensorData c = Tensors.data(Props.normal(s, 4).mul(1000).to(DType.INT64));
                new Compare().check(Interpreter.run(graphs.get(s), Map.of(0, a, 1, c)), emu.run(p, List.of(a, c)), 0, s);
            });
        }
    }
}
