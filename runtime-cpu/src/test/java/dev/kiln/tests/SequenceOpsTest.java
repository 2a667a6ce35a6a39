package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.autodiff.Autodiff;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import dev.kiln.nn.Attention;
import dev.kiln.nn.GRU;
import dev.kiln.nn.LSTM;
import dev.kiln.nn.MultiheadAttention;
import dev.kiln.nn.TensorOps;
import dev.kiln.testing.GradCheck;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The sequence ops beyond the fixtures: sort's stability and NaN order, arange over reals, repeatInterleave,
 * multinomial's and attention dropout's statistics (chi-square with a fixed seed) and their compiled draws bit
 * for bit the eager ones, float64 gradient checks of the composites, and the modules' PyTorch parameter names.
 */
class SequenceOpsTest {
    private static final Generator G = new Generator(2028);

    private static Tensor r(int... dims) {
        return Tensor.randn(Shape.of(dims), DType.FLOAT64, G);
    }

    @Test
    void sortIsStableAndPutsNanLastAscendingAndFirstDescending() {
        Tensor x = Tensor.of(3.0, Double.NaN, 1.0, 3.0, 1.0, Double.NaN, 2.0);
        assertArrayEquals(new long[] {2, 4, 6, 0, 3, 1, 5}, TensorOps.argsort(x, 0, false).toLongArray());
        assertArrayEquals(new long[] {1, 5, 0, 3, 6, 2, 4}, TensorOps.argsort(x, 0, true).toLongArray());
        var top = TensorOps.topk(Tensor.of(1.0, 5.0, 5.0, 2.0), 2);
        assertArrayEquals(new long[] {1, 2}, top.indices().toLongArray());
        assertEquals(DType.INT64, top.indices().dtype());
    }

    @Test
    void arangeOverRealsAndRepeatInterleaveAreTorchs() {
        assertArrayEquals(new double[] {0, 0.3, 0.6, 0.9}, TensorOps.arange(0, 1, 0.3, DType.FLOAT64).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {2, 1.5, 1}, TensorOps.arange(2, 0.5, -0.5, DType.FLOAT64).toDoubleArray(), 0);
        assertEquals(0, TensorOps.arange(1, 1, 1).numel());
        Tensor m = Tensor.of(1.0, 2, 3, 4).reshape(2, 2);
        assertArrayEquals(new double[] {1, 2, 1, 2, 3, 4, 3, 4}, TensorOps.repeatInterleave(m, 2, 0).toDoubleArray(), 0);
    }

    /** Pearson's statistic of observed counts against expected ones. */
    private static double chiSquare(long[] observed, double[] expected) {
        double s = 0;
        for (int i = 0; i < observed.length; i++) {
            if (expected[i] > 0) {
                s += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
            } else {
                assertEquals(0, observed[i], "a category of weight 0 drawn");
            }
        }
        return s;
    }

    @Test
    void multinomialWithReplacementFollowsTheWeights() {
        double[] w = {1, 2, 0, 3, 4, 10};
        int n = 20000;
        long[] draws = TensorOps.multinomial(Tensor.of(w), n, true, new Generator(11)).toLongArray();
        long[] counts = new long[w.length];
        for (long d : draws) {
            counts[(int) d]++;
        }
        double[] expected = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            expected[i] = n * w[i] / 20;
        }
        // 4 degrees of freedom: P(χ² > 18.47) = 0.001
        assertTrue(chiSquare(counts, expected) < 18.47, "chi-square " + chiSquare(counts, expected));
    }

    @Test
    void multinomialWithoutReplacementDrawsDistinctCategoriesFirstByWeight() {
        int rows = 4000;
        Tensor w = Tensor.of(1.0, 0, 2, 3, 4).reshape(1, 5).expand(rows, 5).contiguous();
        long[] s = TensorOps.multinomial(w, 4, false, new Generator(12)).toLongArray();
        long[] first = new long[5];
        for (int r = 0; r < rows; r++) {
            Set<Long> seen = new HashSet<>();
            for (int j = 0; j < 4; j++) {
                assertTrue(seen.add(s[r * 4 + j]), "a category drawn twice in row " + r);
            }
            first[(int) s[r * 4]]++;
        }
        // 3 degrees of freedom: P(χ² > 16.27) = 0.001
        double chi = chiSquare(first, new double[] {rows / 10.0, 0, rows * 0.2, rows * 0.3, rows * 0.4});
        assertTrue(chi < 16.27, "chi-square " + chi);
        long[] all = TensorOps.multinomial(Tensor.of(1.0, 0, 2, 3, 4), 4, false, new Generator(3)).toLongArray();
        assertEquals(Set.of(0L, 2L, 3L, 4L), Set.of(all[0], all[1], all[2], all[3]), "the four categories of positive weight");
    }

    @Test
    void compiledMultinomialDrawsBitForBitTheEagerSamplesAndAdvancesTheGeneratorAlike() {
        Tensor w = Tensor.of(0.5, 1, 2, 0, 3, 1, 1, 1, 1, 1).reshape(2, 5);
        for (boolean replacement : new boolean[] {true, false}) {
            Generator eager = new Generator(77);
            Generator traced = new Generator(77);
            CompiledFunction step = Kiln.compile(in -> TensorOps.multinomial(in[0], 3, replacement, traced));
            Set<List<Long>> distinct = new HashSet<>();
            for (int call = 0; call < 20; call++) {
                long[] e = TensorOps.multinomial(w, 3, replacement, eager).toLongArray();
                assertArrayEquals(e, step.call(w).toLongArray(), "call " + call + " replacement=" + replacement);
                distinct.add(java.util.Arrays.stream(e).boxed().toList());
            }
            assertEquals(eager.state(), traced.state());
            assertEquals(1, step.compilations());
            assertTrue(distinct.size() > 5, "fresh draws on every call");
        }
    }

    @Test
    void attentionDropoutKeepsOneMinusPScaledAndCompiledDrawsTheEagerMask() {
        int l = 64;
        int s = 48;
        Tensor q = Tensor.randn(Shape.of(2, l, 8), DType.FLOAT64, new Generator(5));
        Tensor k = Tensor.randn(Shape.of(2, s, 8), DType.FLOAT64, new Generator(6));
        Tensor eye = Tensor.arange(s).unsqueeze(1).eq(Tensor.arange(s)).to(DType.FLOAT64);
        double p = 0.2;
        Kiln.manualSeed(99);
        Tensor dropped = Attention.scaledDotProductAttention(q, k, eye, null, p, false, null);
        Tensor plain = Attention.scaledDotProductAttention(q, k, eye);
        double[] d = dropped.toDoubleArray();
        double[] a = plain.toDoubleArray();
        int zeros = 0;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == 0) {
                zeros++;
            } else {
                assertEquals(a[i] / (1 - p), d[i], 1e-12);
            }
        }
        double sd = Math.sqrt(d.length * p * (1 - p));
        assertTrue(Math.abs(zeros - d.length * p) < 4 * sd, zeros + " zeros of " + d.length);
        Kiln.manualSeed(99);
        CompiledFunction step = Kiln.compile(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2], null, p, false, null));
        assertArrayEquals(d, step.call(q, k, eye).toDoubleArray(), 0.0, "compiled mask = eager mask");
        assertNotEquals(java.util.Arrays.toString(d), java.util.Arrays.toString(step.call(q, k, eye).toDoubleArray()), "a fresh mask");
    }

    private static void check(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        GradCheck.check(f, List.of(inputs), GradCheck.defaults()).assertPassed();
    }

    @Test
    void compositeGradientsMatchFiniteDifferences() {
        check(in -> TensorOps.sort(in.get(0), 1, true).values(), r(3, 7, 2));
        check(in -> TensorOps.topk(in.get(0), 2, 0, false).values(), r(5, 3));
        check(in -> TensorOps.triu(in.get(0), 1), r(2, 3, 5));
        Tensor keep = Tensor.of(1.0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1).reshape(3, 4).ne(0);
        check(in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), keep, 0, false, 0.7), r(2, 3, 5), r(2, 4, 5),
                r(2, 4, 3));
        check(in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), null, 0, true, null), r(1, 2, 5, 3),
                r(1, 2, 5, 3), r(1, 2, 5, 2));
        var mha = new MultiheadAttention(6, 2, 0, true, true, new Generator(4), DType.FLOAT64);
        check(in -> mha.forward(in.get(0), in.get(1), in.get(1), null, false, null, true).output(), r(2, 3, 6), r(2, 5, 6));
        var lstm = new LSTM(3, 4, 2, true, false, 0, true, new Generator(5), DType.FLOAT64);
        check(in -> lstm.forward(in.get(0), in.get(1), in.get(2)).output(), r(4, 2, 3), r(4, 2, 4), r(4, 2, 4));
        var gru = new GRU(2, 3, 1, true, true, 0, false, new Generator(6), DType.FLOAT64);
        check(in -> gru.forward(in.get(0), in.get(1)).h(), r(2, 5, 2), r(1, 2, 3));
    }

    /** The elements an LSTM's gradient graph moves with Unslice (slices' gradients, cat's placements) at sequence length t. */
    private static long unsliced(int t) {
        var lstm = new LSTM(4, 8, 1, true, false, 0, false, new Generator(1), DType.FLOAT64);
        Graph f = Tracing.trace(in -> lstm.forward(in.get(0)).sum(), List.of(new TensorType(Shape.of(t, 2, 4), DType.FLOAT64)));
        Graph g = Autodiff.gradientGraph(f, f.outputs().getFirst(), f.inputs().subList(0, 1));
        long moved = 0;
        for (Node n : g.nodes()) {
            moved += n.op() instanceof Movement.Unslice ? n.shape().numel() : 0;
        }
        return moved;
    }

    @Test
    void anUnrolledLstmsGradientMovesTLogTElementsNotTSquared() {
        double ratio = (double) unsliced(64) / unsliced(32);
        assertTrue(ratio < 2.6, "doubling T multiplied the unsliced elements by " + ratio);
    }

    @Test
    void modulesHavePyTorchsParameterNamesAndInitBounds() {
        var lstm = new LSTM(3, 16, 2, true, false, 0, true, new Generator(1), DType.FLOAT64);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse",
                "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"),
                List.copyOf(lstm.namedParameters().keySet()));
        assertEquals(Shape.of(64, 32), lstm.namedParameters().get("weight_ih_l1").shape());
        for (Tensor p : lstm.parameters()) {
            assertTrue(p.abs().max().item() <= 0.25, "U(±1/√16)");
        }
        var mha = new MultiheadAttention(8, 2);
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(mha.namedParameters().keySet()));
        assertEquals(0, mha.inProjBias.abs().max().item());
        assertEquals(0, mha.outProj.bias.abs().max().item());
        assertTrue(mha.inProjWeight.abs().max().item() <= Math.sqrt(6.0 / (24 + 8)), "Xavier-uniform");
    }
}
