package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.CrossEntropyLoss;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Functional;
import dev.kiln.nn.NLLLoss;
import dev.kiln.nn.Reduction;
import dev.kiln.testing.GradCheck;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Ops over several dimensions against PyTorch 1.13 in float64 (resources/nn/make_multidim_fixtures.py):
 * var/std/sum/mean over lists of dims, and cross-entropy / NLL over [N, C, d1, ..., dk]; values and
 * gradients to 1e-10, eagerly and inside a compiled function, and the gradients against finite differences.
 */
class MultiDimParityTest {
    static final Map<String, Tensor> F = ParityFixtures.load("/nn/multidim.safetensors");
    static final int IGNORE = Functional.IGNORE_INDEX;
    static final Map<String, Function<List<Tensor>, Tensor>> CASES = new LinkedHashMap<>();

    static Tensor c(String name) {
        return F.get("const." + name);
    }

    private static Tensor ce(Tensor x, String target, String weight, int ignore, double smoothing, Reduction r) {
        return Functional.crossEntropy(x, c(target), weight == null ? null : c(weight), ignore, smoothing, r);
    }

    static {
        CASES.put("var_02_unbiased", in -> in.get(0).var(new int[] {0, 2}, false, true));
        CASES.put("var_neg_keep_biased", in -> in.get(0).var(new int[] {-1, 0}, true, false));
        CASES.put("var_empty_is_all", in -> in.get(0).var(new int[0], false, true));
        CASES.put("var_correction2", in -> in.get(0).var(new int[] {0, 1}, false, 2.0));
        CASES.put("std_12", in -> in.get(0).std(new int[] {1, 2}, false, true));
        CASES.put("std_correction0_keep", in -> in.get(0).std(new int[] {2, 0}, true, 0.0));
        CASES.put("sum_empty_is_all", in -> in.get(0).sum(new int[0], false));
        CASES.put("sum_neg_keep", in -> in.get(0).sum(new int[] {-1, -3}, true));
        CASES.put("mean_empty_keep", in -> in.get(0).mean(new int[0], true));
        CASES.put("mean_02", in -> in.get(0).mean(new int[] {2, 0}, false));
        CASES.put("sum_scalar_dim0", in -> in.get(0).sum(new int[] {0}, false));
        CASES.put("ce_img_mean", in -> ce(in.get(0), "T_IMG", null, IGNORE, 0, Reduction.MEAN));
        CASES.put("ce_img_none_ignore", in -> ce(in.get(0), "T_IMG_IGN", null, IGNORE, 0, Reduction.NONE));
        CASES.put("ce_img_sum_weight", in -> ce(in.get(0), "T_IMG", "W4", IGNORE, 0, Reduction.SUM));
        CASES.put("ce_img_mean_weight_ignore", in -> ce(in.get(0), "T_IMG_IGN", "W4", IGNORE, 0, Reduction.MEAN));
        CASES.put("ce_img_mean_weight_ignore3", in -> ce(in.get(0), "T_IMG_IGN3", "W4", 3, 0, Reduction.MEAN));
        CASES.put("ce_img_mean_smoothing_weight_ignore", in -> ce(in.get(0), "T_IMG_IGN", "W4", IGNORE, 0.2, Reduction.MEAN));
        CASES.put("ce_img_none_smoothing_weight_ignore", in -> ce(in.get(0), "T_IMG_IGN", "W4", IGNORE, 0.2, Reduction.NONE));
        CASES.put("ce_img_sum_smoothing_ignore", in -> ce(in.get(0), "T_IMG_IGN", null, IGNORE, 0.3, Reduction.SUM));
        CASES.put("ce_img_probs_mean", in -> ce(in.get(0), "P_IMG", null, IGNORE, 0, Reduction.MEAN));
        CASES.put("ce_img_probs_none_weight_smoothing", in -> ce(in.get(0), "P_IMG", "W4", IGNORE, 0.1, Reduction.NONE));
        CASES.put("ce_img_probs_sum_weight", in -> ce(in.get(0), "P_IMG", "W4", IGNORE, 0, Reduction.SUM));
        CASES.put("ce_seq_mean", in -> ce(in.get(0), "T_SEQ", null, IGNORE, 0, Reduction.MEAN));
        CASES.put("ce_vol_mean_smoothing", in -> ce(in.get(0), "T_VOL", null, IGNORE, 0.1, Reduction.MEAN));
        CASES.put("nll_img_mean_weight_ignore", in -> Functional.nllLoss(in.get(0), c("T_IMG_IGN"), c("W4"), IGNORE, Reduction.MEAN));
        CASES.put("nll_img_none", in -> Functional.nllLoss(in.get(0), c("T_IMG_IGN"), null, IGNORE, Reduction.NONE));
        CASES.put("nll_img_sum_weight", in -> Functional.nllLoss(in.get(0), c("T_IMG"), c("W4"), IGNORE, Reduction.SUM));
    }

    private static List<Tensor> inputs(String name) {
        return ParityFixtures.inputs(F, name);
    }

    static void close(Tensor expected, Tensor actual, String what) {
        ParityFixtures.close(expected, actual, what);
    }

    @Test
    void everyCaseMatchesPytorchEagerly() {
        ParityFixtures.matchEagerly(F, CASES);
        long fixtures = F.keySet().stream().filter(k -> k.endsWith(".out")).count();
        assertEquals(fixtures, CASES.size() + 1, "every PyTorch case is checked (and embedding_padding below)");
    }

    @Test
    void everyCaseMatchesPytorchInsideACompiledFunction() {
        ParityFixtures.matchCompiled(F, CASES);
    }

    @Test
    void anEmbeddingsPaddingRowGetsNoGradientAsInPytorchEagerAndCompiled() {
        for (boolean compiled : new boolean[] {false, true}) {
            // fromPretrained shares the fixture's weights, so the module's parameter is that input
            var emb = Embedding.fromPretrained(F.get("embedding_padding.in0").clone(), false, 2);
            Tensor g = F.get("embedding_padding.g");
            dev.kiln.Step step = args -> {
                Tensor y = emb.forward(c("EMB_PAD_IDX"));
                y.mul(g).sum().backward();
                return y;
            };
            Tensor y = compiled ? Kiln.compile(step).call() : step.apply();
            close(F.get("embedding_padding.out"), y, "embedding value, compiled " + compiled);
            close(F.get("embedding_padding.grad0"), emb.weight.grad(), "embedding gradient, compiled " + compiled);
            for (double v : emb.weight.grad().select(0, 2).toDoubleArray()) {
                assertEquals(0.0, v, 0.0, "the padding row's gradient is exactly zero");
            }
        }
    }

    @Test
    void theGradientsAgreeWithFiniteDifferencesInFloat64() {
        for (String name : List.of("var_02_unbiased", "var_neg_keep_biased", "var_correction2", "std_12", "std_correction0_keep",
                "sum_neg_keep", "mean_02", "ce_img_mean_weight_ignore", "ce_img_none_smoothing_weight_ignore",
                "ce_img_probs_none_weight_smoothing", "ce_vol_mean_smoothing", "nll_img_mean_weight_ignore")) {
            Tensor x = F.get(name + ".in0");
            GradCheck.check(CASES.get(name), List.of(x), GradCheck.defaults()).assertPassed();
        }
    }

    @Test
    void theLossModulesTakePerPixelInputs() {
        Tensor x = F.get("ce_img_mean_weight_ignore.in0");
        close(F.get("ce_img_mean_weight_ignore.out"), new CrossEntropyLoss().weight(c("W4")).forward(x, c("T_IMG_IGN")), "module");
        close(F.get("ce_img_none_smoothing_weight_ignore.out"),
                new CrossEntropyLoss(Reduction.NONE).weight(c("W4")).labelSmoothing(0.2).forward(x, c("T_IMG_IGN")), "module none");
        Tensor logp = F.get("nll_img_mean_weight_ignore.in0");
        close(F.get("nll_img_mean_weight_ignore.out"), new NLLLoss(c("W4"), IGNORE, Reduction.MEAN).forward(logp, c("T_IMG_IGN")),
                "NLLLoss");
        assertEquals(Shape.of(2, 3, 2), new NLLLoss(null, IGNORE, Reduction.NONE).forward(logp, c("T_IMG")).shape());
    }

    @Test
    void aPerPixelTargetOfTheWrongShapeOrRangeIsRefusedWithBothShapes() {
        Tensor x = Tensor.zeros(Shape.of(2, 4, 3, 2), DType.FLOAT64);
        var e = assertThrows(KilnException.class,
                () -> Functional.crossEntropy(x, Tensor.zeros(Shape.of(2, 2, 3), DType.INT64), null, IGNORE, 0, Reduction.MEAN));
        assertTrue(e.getMessage().contains("shape [2, 3, 2]") && e.getMessage().contains("got int64 [2, 2, 3]")
                && e.getMessage().contains("MultiDimParityTest.java"), e.getMessage());
        var range = assertThrows(KilnException.class,
                () -> Functional.nllLoss(x, Tensor.full(Shape.of(2, 3, 2), 4, DType.INT64), null, IGNORE, Reduction.MEAN));
        assertTrue(range.getMessage().contains("must be in [0, 4)") && range.getMessage().contains("got 4"), range.getMessage());
        var probs = assertThrows(KilnException.class,
                () -> Functional.crossEntropy(x, Tensor.zeros(Shape.of(2, 4, 2, 3), DType.FLOAT64), null, IGNORE, 0, Reduction.MEAN));
        assertTrue(probs.getMessage().contains("[2, 4, 3, 2]"), probs.getMessage());
    }

    @Test
    void aDimListedTwiceIsRefusedWithPytorchsMessage() {
        Tensor x = Tensor.zeros(Shape.of(2, 3, 4), DType.FLOAT64);
        for (Function<int[], Tensor> f : List.<Function<int[], Tensor>>of(d -> x.sum(d, false), d -> x.mean(d, false),
                d -> x.var(d, false, true), d -> x.std(d, true, 0.0))) {
            var e = assertThrows(KilnException.class, () -> f.apply(new int[] {1, -2}));
            assertTrue(e.getMessage().startsWith("dim 1 appears multiple times in the list of dims"), e.getMessage());
        }
        var range = assertThrows(KilnException.class, () -> x.var(new int[] {0, 3}, false, true));
        assertTrue(range.getMessage().contains("dimension 3 is out of range"), range.getMessage());
        var integer = assertThrows(KilnException.class, () -> Tensor.arange(4).var(new int[] {0}, false, true));
        assertTrue(integer.getMessage().contains("floating"), integer.getMessage());
    }
}
