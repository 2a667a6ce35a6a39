package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.autodiff.Autodiff;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Attend;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import dev.kiln.nn.Attention;
import dev.kiln.nn.TensorOps;
import dev.kiln.pass.Pipeline;
import dev.kiln.testing.GradCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The fused attention primitive ({@link Attend}): float64 gradients against finite differences at awkward
 * sizes, values and gradients against the masked-softmax composite (eager and compiled, float64 and float32),
 * where the fused path applies, and a
 * compiled training step at T = 1024 whose plan holds no [T, T] buffer.
 */
class FusedAttentionTest {
    /** Every size takes the fused path here (by default only long sequences do: Attention.FUSED_MIN_SCORES). */
    @org.junit.jupiter.api.BeforeAll
    static void fuseEverySize() {
        System.setProperty("kiln.attention.fusedMinScores", "0");
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreTheThreshold() {
        System.clearProperty("kiln.attention.fusedMinScores");
    }

    /** batch, heads, L, S, E, Ev, causal: T = 1, odd T, head sizes 1/3/32, L != S, and tiles crossed (ROWS 32, COLS 64). */
    private static final int[][] SIZES = {
        {1, 1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 3, 2, 1}, {2, 1, 5, 5, 3, 3, 1}, {1, 2, 7, 7, 1, 2, 1}, {1, 1, 3, 6, 32, 4, 0},
        {2, 2, 6, 3, 3, 5, 0}, {1, 1, 5, 3, 2, 2, 1}, {1, 1, 3, 6, 2, 3, 1}, {1, 1, 70, 70, 2, 2, 1}, {1, 1, 33, 65, 3, 2, 0}};

    private static Tensor r(Generator g, DType t, int... dims) {
        return Tensor.randn(Shape.of(dims), t, g);
    }

    private static Tensor fused(List<Tensor> in, boolean causal) {
        return Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), null, 0, causal, null);
    }

    /** The masked-softmax composite: an explicit bool mask keeps scaledDotProductAttention off the fused path. */
    private static Tensor composite(List<Tensor> in, boolean causal) {
        int l = in.get(0).size(-2);
        int s = in.get(1).size(-2);
        Tensor ones = Tensor.ones(l, s).to(in.get(0).dtype());
        Tensor keep = (causal ? TensorOps.tril(ones, 0) : ones).ne(0);
        return Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), keep, 0, false, null);
    }

    private static List<Tensor> inputs(int[] c, DType t, long seed) {
        Generator g = new Generator(seed);
        return List.of(r(g, t, c[0], c[1], c[2], c[4]), r(g, t, c[0], c[1], c[3], c[4]), r(g, t, c[0], c[1], c[3], c[5]));
    }

    @Test
    void gradientsMatchFiniteDifferencesAtAwkwardSizes() {
        for (int[] c : SIZES) {
            boolean causal = c[6] == 1;
            GradCheck.check(in -> fused(in, causal), inputs(c, DType.FLOAT64, 7), GradCheck.defaults()).assertPassed();
        }
    }

    /** Output, dq, dk and dv of sum(f(in) * w), eagerly or inside one compiled step. */
    private static List<double[]> run(Function<List<Tensor>, Tensor> f, List<Tensor> values, Tensor w, boolean compiled) {
        List<Tensor> in = new ArrayList<>();
        for (Tensor v : values) {
            in.add(v.clone().requiresGrad_(true));
        }
        Tensor y;
        if (compiled) {
            y = Kiln.compile(args -> {
                Tensor out = f.apply(in);
                out.mul(w).sum().backward();
                return out;
            }).call();
        } else {
            y = f.apply(in);
            y.mul(w).sum().backward();
        }
        List<double[]> out = new ArrayList<>(List.of(y.toDoubleArray()));
        for (Tensor t : in) {
            out.add(t.grad().toDoubleArray());
        }
        return out;
    }

    private static void close(List<double[]> expected, List<double[]> actual, double tol, String what) {
        String[] names = {"output", "dq", "dk", "dv"};
        for (int i = 0; i < expected.size(); i++) {
            double[] e = expected.get(i);
            double[] a = actual.get(i);
            assertEquals(e.length, a.length, what + " " + names[i]);
            for (int j = 0; j < e.length; j++) {
                assertEquals(e[j], a[j], tol * Math.max(1, Math.abs(e[j])), what + " " + names[i] + "[" + j + "]");
            }
        }
    }

    @Test
    void fusedMatchesTheMaskedSoftmaxCompositeEagerAndCompiled() {
        for (DType t : List.of(DType.FLOAT64, DType.FLOAT32)) {
            double tol = t == DType.FLOAT64 ? 1e-12 : 1e-5;
            for (int[] c : SIZES) {
                boolean causal = c[6] == 1;
                List<Tensor> in = inputs(c, t, 11);
                Tensor w = r(new Generator(12), t, c[0], c[1], c[2], c[5]);
                List<double[]> want = run(x -> composite(x, causal), in, w, false);
                String what = t + " " + java.util.Arrays.toString(c);
                close(want, run(x -> fused(x, causal), in, w, false), tol, what + " eager");
                close(want, run(x -> fused(x, causal), in, w, true), tol, what + " compiled");
            }
        }
    }

    private static boolean tracesFused(Function<List<Tensor>, Tensor> f, DType t) {
        Graph g = Tracing.trace(f, List.of(TensorType.of(t, 2, 4, 3), TensorType.of(t, 2, 5, 3), TensorType.of(t, 2, 5, 2)));
        return g.nodes().stream().anyMatch(n -> n.op() instanceof Attend.Forward);
    }

    @Test
    void theFusedPathAppliesWithoutMaskOrDropoutOnFloat32AndFloat64() {
        assertTrue(tracesFused(in -> fused(in, false), DType.FLOAT64));
        assertTrue(tracesFused(in -> fused(in, true), DType.FLOAT32));
        Tensor keep = Tensor.ones(4, 5).ne(0);
        assertFalse(tracesFused(in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), keep, 0, false, null),
                DType.FLOAT64), "a mask takes the composite");
        assertFalse(tracesFused(in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), null, 0.1, false, null),
                DType.FLOAT64), "dropout takes the composite");
    }

    /** By default the fused primitive takes the longer sequences only: from 4096 scores per slice (T = 64), not at T = 63. */
    @Test
    void byDefaultOnlyLongSequencesTakeTheFusedPath() {
        System.clearProperty("kiln.attention.fusedMinScores");
        try {
            for (int t : new int[] {4, 63, 64, 300}) {
                Graph g = Tracing.trace(in -> fused(in, true), List.of(TensorType.of(DType.FLOAT32, 1, t, 8),
                        TensorType.of(DType.FLOAT32, 1, t, 8), TensorType.of(DType.FLOAT32, 1, t, 8)));
                assertEquals(t >= 64, g.nodes().stream().anyMatch(n -> n.op() instanceof Attend.Forward), "T = " + t);
            }
        } finally {
            System.setProperty("kiln.attention.fusedMinScores", "0");
        }
    }

    /** The buffers of a compiled training step (forward, backward, one SGD update) at T = 1024, head size 8. */
    private static List<Plan.Buffer> stepBuffers(Function<List<Tensor>, Tensor> attention) {
        int t = 1024;
        TensorType type = TensorType.of(DType.FLOAT32, 1, 1, t, 8);
        Graph forward = Tracing.trace(in -> attention.apply(in).sum(), List.of(type, type, type));
        Node loss = forward.outputs().getFirst();
        Graph grads = Autodiff.gradientGraph(forward, loss, forward.inputs());
        return new CompiledPlan(Pipeline.standard(true).run(grads)).plan().buffers();
    }

    @Test
    void aCompiledStepAtT1024HoldsNoSquareBuffer() {
        long square = 1024L * 1024;
        List<Plan.Buffer> fusedBuffers = stepBuffers(in -> fused(in, true));
        for (Plan.Buffer b : fusedBuffers) {
            assertTrue(b.shape().numelLong() < square / 16, "a buffer of shape " + b.shape() + " in the fused step");
        }
        // the composite does hold one: the check above would see it
        assertTrue(stepBuffers(in -> composite(in, true)).stream().anyMatch(b -> b.shape().numelLong() >= square));
    }
}
