package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;
import dev.kiln.internal.Tracing;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Barrier;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Call;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Detach;
import dev.kiln.ir.Draw;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Op;
import dev.kiln.ir.Ops;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Every primitive — each record reachable from {@code Op}'s sealed hierarchy — has a gradient-check
 * case, a compiled-vs-interpreter case and a path through the JVM emitter, or an entry below saying
 * where it is checked instead. Adding a primitive fails here until it has all three.
 */
public class OpConformanceTest {
    /** Every record class that implements {@code Op}, found through the sealed hierarchy. */
    public static Set<Class<?>> primitives() {
        Set<Class<?>> out = new LinkedHashSet<>();
        List<Class<?>> todo = new ArrayList<>(List.of(Op.class));
        while (!todo.isEmpty()) {
            Class<?> c = todo.removeLast();
            if (c.isRecord()) {
                out.add(c);
            } else {
                todo.addAll(List.of(c.getPermittedSubclasses()));
            }
        }
        return out;
    }

    /** Primitives GradCheck does not differentiate through in PrimitiveGradientProperties, and where they are checked. */
    private static final Map<Class<?>, String> GRADIENT_ELSEWHERE = Map.ofEntries(
            Map.entry(Leaf.Input.class, "a leaf: gradients are taken with respect to it"),
            Map.entry(Leaf.Constant.class, "a constant: no gradient"),
            Map.entry(Leaf.Random.class, "random draws carry no gradient"),
            Map.entry(Draw.class, "random draws carry no gradient"),
            Map.entry(Compare.Eq.class, "boolean results carry no gradient"),
            Map.entry(MatMul.class, "PrimitiveGradientProperties' matmul property (1-D, 2-D, batched)"),
            Map.entry(Movement.Unslice.class, "slice's VJP; differentiated again by CompositeProperties' second derivatives"),
            Map.entry(Call.class, "CustomFunctionTest's GradCheck property over custom functions"),
            Map.entry(Barrier.class, "refuses differentiation: CustomFunctionTest (once-differentiable)"),
            Map.entry(Detach.class, "stops gradients: MisuseTest (detach in traced steps)"),
            Map.entry(dev.kiln.ir.Index.WindowArgmax.class, "int64 positions carry no gradient; max pooling's gradient (through its gather) in"
                    + " ConvGradCheckTest and the PyTorch fixtures of ConvParityTest"),
            Map.entry(dev.kiln.ir.Collective.AllReduce.class, "DistributedTest: N ranks' averaged gradients equal one process's (float64, 1e-12)"),
            Map.entry(dev.kiln.ir.Attend.Backward.class, "differentiable once (refused); it is the forward's gradient, checked by "
                    + "FusedAttentionTest's GradCheck at awkward sizes"));

    /** Primitives that compile to a single interpreted step rather than emitted code, and why. */
    public static final Map<Class<?>, String> NOT_EMITTED = Map.ofEntries(
            Map.entry(Movement.Unslice.class, "scatter into zeros: an interpreted step (docs/compiler.md, Not yet)"),
            Map.entry(Draw.class, "random draws run on the interpreter's Philox (CUDA: kernels of the same Philox, CudaConformanceTest)"),
            Map.entry(Leaf.Random.class, "random draws run on the interpreter's Philox"),
            Map.entry(Call.class, "replaced by its traced forward (inline-calls) before planning"),
            Map.entry(Barrier.class, "the identity; an interpreted copy"),
            Map.entry(Detach.class, "dropped by the drop-detach rule before planning"),
            Map.entry(dev.kiln.ir.Index.Gather.class, "reads at data-dependent positions: an interpreted step (FusionPlanner)"),
            Map.entry(dev.kiln.ir.Index.ScatterAdd.class, "writes at data-dependent positions: an interpreted step (FusionPlanner)"),
            Map.entry(dev.kiln.ir.Index.WindowArgmax.class, "max pooling's data-dependent positions: an interpreted step (FusionPlanner)"),
            Map.entry(dev.kiln.ir.Collective.AllReduce.class, "calls the process group (MPI): an interpreted step"),
            Map.entry(dev.kiln.ir.Attend.Forward.class, "runtime-cpu's tiled attention kernel as one step (FusedAttentionTest)"),
            Map.entry(dev.kiln.ir.Attend.Backward.class, "runtime-cpu's tiled attention kernel as one step (FusedAttentionTest)"));

    @Test
    void everyPrimitiveHasAGradientCheck() {
        Set<Class<?>> covered = new LinkedHashSet<>();
        for (PrimitiveGradientProperties.Case k : PrimitiveGradientProperties.cases()) {
            covered.addAll(opsTracedBy(k));
        }
        Set<String> missing = new TreeSet<>();
        for (Class<?> p : primitives()) {
            boolean compare = Compare.class.isAssignableFrom(p);
            if (!covered.contains(p) && !GRADIENT_ELSEWHERE.containsKey(p) && !compare) {
                missing.add(p.getName());
            }
        }
        assertEquals(Set.of(), missing, "primitives with no GradCheck case (add one to PrimitiveGradientProperties)");
    }

    /** The op classes in the graph of one GradCheck case, traced on [3, 3, 3] inputs. */
    private static Set<Class<?>> opsTracedBy(PrimitiveGradientProperties.Case k) {
        Graph g = Tracing.trace(k.f(), java.util.Collections.nCopies(k.domains().size(), TensorType.of(DType.FLOAT64, 3, 3, 3)));
        Set<Class<?>> ops = new LinkedHashSet<>();
        for (Node n : g.nodes()) {
            ops.add(n.op().getClass());
        }
        return ops;
    }

    /** A small graph using each primitive on float64 inputs of shape [3, 5] (x) and [3, 5] (y). */
    public static Map<Class<?>, BiFunction<Ops, Node[], Node>> examples() {
        Map<Class<?>, BiFunction<Ops, Node[], Node>> e = new LinkedHashMap<>();
        e.put(Leaf.Input.class, (o, in) -> o.add(in[0], in[1]));
        e.put(Leaf.Constant.class, (o, in) -> o.mul(in[0], 2.5));
        unary(e, new Unary.Neg(), new Unary.Abs(), new Unary.Exp(), new Unary.Sin(), new Unary.Cos(), new Unary.Tanh(), new Unary.Erf(),
                new Unary.Expm1());
        e.put(Unary.Log1p.class, (o, in) -> o.unary(new Unary.Log1p(), o.mul(in[0], in[0])));
        e.put(Unary.Log.class, (o, in) -> o.log(o.add(o.mul(in[0], in[0]), o.constant(1, DType.FLOAT64))));
        e.put(Unary.Sqrt.class, (o, in) -> o.sqrt(o.add(o.mul(in[0], in[0]), o.constant(1, DType.FLOAT64))));
        for (Op b : List.of(new Binary.Add(), new Binary.Sub(), new Binary.Mul(), new Binary.Div(), new Binary.Maximum(),
                new Binary.Minimum())) {
            e.put(b.getClass(), (o, in) -> o.binary(b, in[0], in[1]));
        }
        e.put(Binary.Pow.class, (o, in) -> o.pow(o.add(o.mul(in[0], in[0]), o.constant(1, DType.FLOAT64)), in[1]));
        for (Compare c : List.of(new Compare.Lt(), new Compare.Le(), new Compare.Gt(), new Compare.Ge(), new Compare.Eq(),
                new Compare.Ne())) {
            e.put(c.getClass(), (o, in) -> o.cast(o.compare(c, in[0], in[1]), DType.FLOAT64));
        }
        e.put(Where.class, (o, in) -> o.where(o.compare(new Compare.Gt(), in[0], in[1]), in[0], in[1]));
        e.put(Cast.class, (o, in) -> o.cast(o.cast(in[0], DType.FLOAT32), DType.FLOAT64));
        e.put(Reduce.Sum.class, (o, in) -> o.sum(o.mul(in[0], in[1]), Axes.of(1), false));
        e.put(Reduce.Max.class, (o, in) -> o.max(o.add(in[0], in[1]), Axes.of(0), true));
        e.put(Movement.Reshape.class, (o, in) -> o.mul(o.reshape(in[0], Shape.of(5, 3)), o.reshape(in[1], Shape.of(5, 3))));
        e.put(Movement.Expand.class, (o, in) -> o.mul(o.expand(o.sum(in[0], Axes.of(0), true), Shape.of(3, 5)), in[1]));
        e.put(Movement.Permute.class, (o, in) -> o.exp(o.permute(in[0], Axes.of(1, 0))));
        e.put(Movement.Slice.class, (o, in) -> o.exp(o.builder().add(new Movement.Slice(1, 1, 5, 2), in[0])));
        e.put(Movement.Unslice.class, (o, in) -> o.builder().add(new Movement.Unslice(1, 1, 2, 11), in[0]));
        e.put(MatMul.class, (o, in) -> o.matmul(in[0], o.transposeLast(in[1])));
        e.put(Barrier.class, (o, in) -> o.builder().add(new Barrier("no second derivative"), o.exp(in[0])));
        e.put(Detach.class, (o, in) -> o.mul(o.builder().add(new Detach(), in[0]), in[1]));
        // indices from the data: the positions of y's values ranked into [0, 5) by a cast
        e.put(dev.kiln.ir.Index.Gather.class, (o, in) -> o.exp(o.builder().add(new dev.kiln.ir.Index.Gather(1), in[0], indices(o, in[1], 5))));
        e.put(dev.kiln.ir.Collective.AllReduce.class, (o, in) -> o.exp(o.builder().add(new dev.kiln.ir.Collective.AllReduce(ALONE,
                dev.kiln.ir.Collective.Kind.MEAN), o.mul(in[0], in[1]))));
        // x as one 3×5 image: 2×3 windows, stride 1×2, padding 1×1, dilation 1×2 (ceil mode's extra column)
        e.put(dev.kiln.ir.Index.WindowArgmax.class, (o, in) -> {
            var op = new dev.kiln.ir.Index.WindowArgmax(new dev.kiln.ir.Index.WindowArgmax.Axis(3, 2, 1, 1, 1, 4),
                    new dev.kiln.ir.Index.WindowArgmax.Axis(5, 3, 2, 1, 2, 3));
            Node at = o.builder().add(op, o.reshape(o.mul(in[0], in[1]), Shape.of(1, 1, 3, 5)));
            return o.cast(at, DType.FLOAT64);
        });
        e.put(dev.kiln.ir.Index.ScatterAdd.class, (o, in) -> o.builder().add(new dev.kiln.ir.Index.ScatterAdd(0, 4), indices(o, in[1], 4),
                o.exp(in[0])));
        // attention of rows of x against rows of y ([3, 5]: L = S = 3, E = Ev = 5), causal; its backward from the packed output
        e.put(dev.kiln.ir.Attend.Forward.class, (o, in) -> o.builder().add(new dev.kiln.ir.Attend.Forward(true, 0.5), in[0], in[1], in[1]));
        e.put(dev.kiln.ir.Attend.Backward.class, (o, in) -> {
            Node fwd = o.builder().add(new dev.kiln.ir.Attend.Forward(false, 0.5), in[0], in[1], in[1]);
            return o.builder().add(new dev.kiln.ir.Attend.Backward(false, 0.5), in[0], in[1], in[1], fwd, o.exp(fwd));
        });
        return e;
    }

    /** A group of one process (what ProcessGroup.world() is without an MPI launcher). */
    private static final dev.kiln.ir.Communicator ALONE = new dev.kiln.ir.Communicator() {
        @Override
        public String name() {
            return "alone";
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public TensorData allReduce(TensorData in, dev.kiln.ir.Collective.Kind kind) {
            TensorData out = TensorData.allocate(in.shape(), in.dtype());
            out.copyFrom(in);
            return out;
        }
    };

    /** Int64 indices in [0, bound) computed from a float input: floor(|v|·10) mod bound. */
    private static Node indices(Ops o, Node v, int bound) {
        Node scaled = o.cast(o.mul(o.unary(new Unary.Abs(), v), 10.0), DType.INT64);
        Node q = o.cast(o.binary(new Binary.Div(), o.cast(scaled, DType.FLOAT64), (double) bound), DType.INT64);
        return o.binary(new Binary.Sub(), scaled, o.binary(new Binary.Mul(), q, o.constant(bound, DType.INT64)));
    }

    private static void unary(Map<Class<?>, BiFunction<Ops, Node[], Node>> e, Unary... ops) {
        for (Unary u : ops) {
            e.put(u.getClass(), (o, in) -> o.unary(u, in[0]));
        }
    }

    /** Primitives with no standalone example here, and where they are compiled against the interpreter. */
    public static final Map<Class<?>, String> COMPILED_ELSEWHERE = Map.of(
            Leaf.Random.class, "CompileTest: compiled draws equal eager draws",
            Draw.class, "CompileTest: compiled draws equal eager draws",
            Call.class, "CustomFunctionTest and CompiledSamplesTest (the custom-function sample, compiled)");

    /** x and y of shape [3, 5] holding NaN, ±∞ and ±0, against each other and against numbers. */
    public static List<TensorData> nanInfInputs() {
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;
        double[] x = {nan, nan, nan, inf, inf, -inf, -inf, 0.0, -0.0, 1.5, inf, -2, nan, 3, -inf};
        double[] y = {nan, 1, inf, inf, -inf, -inf, 2, -0.0, 0.0, nan, 0.5, -inf, -1, inf, nan};
        return List.of(Tensors.data(Tensor.fromArray(x, Shape.of(3, 5), DType.FLOAT64)), Tensors.data(Tensor.fromArray(y, Shape.of(3, 5), DType.FLOAT64)));
    }

    /** Max reductions as the fusion planner plans them besides the primitive's own example: over everything, and along rows. */
    public static Map<String, BiFunction<Ops, Node[], Node>> fusedMaxima() {
        Map<String, BiFunction<Ops, Node[], Node>> e = new LinkedHashMap<>();
        e.put("max of all", (o, in) -> o.max(o.mul(in[0], in[1]), Axes.of(0, 1), false));
        e.put("max along rows", (o, in) -> o.max(o.add(in[0], o.exp(in[1])), Axes.of(1), false));
        e.put("max into a sum", (o, in) -> o.sum(o.sub(in[0], o.expand(o.max(in[0], Axes.of(1), true), Shape.of(3, 5))), Axes.of(1), false));
        return e;
    }

    /** NaN where NaN, the same infinity where infinite, else within {@code rtol}; a line per mismatch. */
    public static List<String> nanAwareMismatches(String what, TensorData expected, TensorData actual, double rtol) {
        double[] e = Tensors.wrap(expected).toDoubleArray();
        double[] a = Tensors.wrap(actual).toDoubleArray();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : Double.isInfinite(e[i]) ? e[i] == a[i]
                    : Math.abs(e[i] - a[i]) <= rtol * Math.max(1, Math.abs(e[i]));
            if (!ok) {
                bad.add(what + " element " + i + ": interpreter " + e[i] + ", compiled " + a[i]);
            }
        }
        return bad;
    }

    @Test
    void everyPrimitiveCompilesNanAndInfinitiesAsTheInterpreter() {
        List<TensorData> in = nanInfInputs();
        Map<String, BiFunction<Ops, Node[], Node>> cases = new LinkedHashMap<>();
        examples().forEach((op, build) -> {
            // gather's and scatterAdd's examples turn y into positions: NaN and ∞ are out of range (max pooling's take them)
            if (op != dev.kiln.ir.Index.Gather.class && op != dev.kiln.ir.Index.ScatterAdd.class) {
                cases.put(op.getSimpleName(), build);
            }
        });
        cases.putAll(fusedMaxima());
        List<String> bad = new ArrayList<>();
        cases.forEach((name, build) -> {
            GraphBuilder b = new GraphBuilder();
            Node[] ins = {b.input("x", TensorType.of(DType.FLOAT64, 3, 5)), b.input("y", TensorType.of(DType.FLOAT64, 3, 5))};
            Graph g = b.build(build.apply(new Ops(b), ins));
            TensorData expected = Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1))).getFirst();
            bad.addAll(nanAwareMismatches(name, expected, new CompiledPlan(g).run(in).getFirst(), 1e-12));
        });
        assertEquals(List.of(), bad);
    }

    @Test
    void everyPrimitiveCompilesToWhatTheInterpreterComputes() {
        Map<Class<?>, BiFunction<Ops, Node[], Node>> examples = examples();
        Set<String> missing = new TreeSet<>();
        for (Class<?> p : primitives()) {
            if (!examples.containsKey(p) && !COMPILED_ELSEWHERE.containsKey(p)) {
                missing.add(p.getName());
            }
        }
        assertEquals(Set.of(), missing, "primitives with no compiled-vs-interpreter example (add one above)");
        TensorData x = Tensors.data(Props.normal(Shape.of(3, 5), 1));
        TensorData y = Tensors.data(Props.normal(Shape.of(3, 5), 2));
        Map<Class<?>, String> interpreted = new HashMap<>();
        examples.forEach((op, build) -> {
            GraphBuilder b = new GraphBuilder();
            Node[] in = {b.input("x", TensorType.of(DType.FLOAT64, 3, 5)), b.input("y", TensorType.of(DType.FLOAT64, 3, 5))};
            Graph g = b.build(build.apply(new Ops(b), in));
            assertTrue(g.nodes().stream().anyMatch(n -> n.op().getClass() == op), op + " is in its example");
            double[] expected = Tensors.wrap(Interpreter.run(g, Map.of(0, x, 1, y)).getFirst()).toDoubleArray();
            CompiledPlan plan = new CompiledPlan(g);
            double[] actual = Tensors.wrap(plan.run(List.of(x, y)).getFirst()).toDoubleArray();
            assertEquals(expected.length, actual.length, op.getSimpleName());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-12 * Math.max(1, Math.abs(expected[i])),
                        op.getSimpleName() + " element " + i);
            }
            for (Plan.Step s : plan.plan().steps()) {
                if (s instanceof Plan.OpStep step && step.op().getClass() == op) {
                    interpreted.put(op, plan.describe());
                }
            }
        });
        Set<String> notEmitted = new TreeSet<>();
        interpreted.keySet().forEach(op -> {
            if (!NOT_EMITTED.containsKey(op)) {
                notEmitted.add(op.getName());
            }
        });
        assertEquals(Set.of(), notEmitted, "primitives that run as interpreted steps without a reason in NOT_EMITTED");
        // and the reasons are not stale: each listed primitive with an example here is really interpreted
        for (Class<?> op : NOT_EMITTED.keySet()) {
            if (examples.containsKey(op) && op != Detach.class) {
                assertTrue(interpreted.containsKey(op), op.getSimpleName() + " is emitted now: remove it from NOT_EMITTED");
            }
        }
    }
}
