package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Reduction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The classification ops and losses against PyTorch 1.13 in float64 (resources/nn/make_fixtures.py
 * wrote the values and gradients): each value and each input's gradient to 1e-10, eagerly and
 * inside a compiled function.
 */
class ClassificationParityTest {
    static final Map<String, Tensor> F = ParityFixtures.load("/nn/classification.safetensors");

    static Tensor c(String name) {
        return F.get("const." + name);
    }

    static final int IGNORE = Functional.IGNORE_INDEX;

    static final Map<String, Function<List<Tensor>, Tensor>> CASES = new LinkedHashMap<>();

    static {
        CASES.put("softmax1", in -> in.get(0).softmax(1));
        CASES.put("softmax0", in -> in.get(0).softmax(0));
        CASES.put("log_softmax1", in -> in.get(0).logSoftmax(1));
        CASES.put("logsumexp1", in -> in.get(0).logsumexp(1, false));
        CASES.put("logsumexp0_keep", in -> in.get(0).logsumexp(0, true));
        CASES.put("clamp", in -> in.get(0).clamp(-0.5, 0.7));
        CASES.put("var1_unbiased", in -> in.get(0).var(1, false, true));
        CASES.put("var0_biased_keep", in -> in.get(0).var(0, true, false));
        CASES.put("std_all", in -> in.get(0).std());
        CASES.put("log1p", in -> in.get(0).log1p());
        CASES.put("expm1", in -> in.get(0).expm1());
        CASES.put("silu", in -> Functional.silu(in.get(0)));
        CASES.put("erf", in -> in.get(0).erf());
        CASES.put("log1p_small", in -> in.get(0).log1p());
        CASES.put("expm1_small", in -> in.get(0).expm1());
        CASES.put("gelu", in -> Functional.gelu(in.get(0), "none"));
        CASES.put("gelu_tanh", in -> Functional.gelu(in.get(0), "tanh"));
        CASES.put("leaky_relu", in -> Functional.leakyRelu(in.get(0), 0.1));
        CASES.put("softplus", in -> Functional.softplus(in.get(0), 2, 5));
        CASES.put("cat1", in -> Tensor.cat(in, 1));
        CASES.put("stack0", in -> Tensor.stack(in, 0));
        CASES.put("masked_fill", in -> in.get(0).maskedFill(c("X").gt(0.5), -2.0));
        CASES.put("split1_last", in -> in.get(0).split(2, 1).getLast());
        CASES.put("chunk0_first", in -> in.get(0).chunk(3, 0).getFirst());
        CASES.put("gather1", in -> in.get(0).gather(1, c("IDX")));
        CASES.put("take_along_dim0", in -> in.get(0).takeAlongDim(c("IDX_TAKE"), 0));
        CASES.put("index_select1", in -> in.get(0).indexSelect(1, c("ISEL")));
        CASES.put("scatter_add0", in -> in.get(0).scatterAdd(0, c("SIDX"), in.get(1)));
        CASES.put("embedding", in -> {
            dev.kiln.nn.Embedding e = new dev.kiln.nn.Embedding(7, 3, dev.kiln.DType.FLOAT64);
            return in.get(0).indexSelect(0, c("EMB_IDX").reshape(-1)).reshape(2, 4, 3).add(e.weight.mul(0.0).sum());
        });
        CASES.put("ce_mean", in -> Functional.crossEntropy(in.get(0), c("T"), null, IGNORE, 0, Reduction.MEAN));
        CASES.put("ce_sum_weight", in -> Functional.crossEntropy(in.get(0), c("T"), c("W"), IGNORE, 0, Reduction.SUM));
        CASES.put("ce_none_ignore", in -> Functional.crossEntropy(in.get(0), c("T_IGN"), null, IGNORE, 0, Reduction.NONE));
        CASES.put("ce_mean_weight_ignore", in -> Functional.crossEntropy(in.get(0), c("T_IGN"), c("W"), IGNORE, 0, Reduction.MEAN));
        CASES.put("ce_mean_smoothing", in -> Functional.crossEntropy(in.get(0), c("T"), null, IGNORE, 0.1, Reduction.MEAN));
        CASES.put("ce_mean_smoothing_weight_ignore",
                in -> Functional.crossEntropy(in.get(0), c("T_IGN"), c("W"), IGNORE, 0.2, Reduction.MEAN));
        CASES.put("ce_sum_smoothing_ignore", in -> Functional.crossEntropy(in.get(0), c("T_IGN"), null, IGNORE, 0.3, Reduction.SUM));
        CASES.put("ce_probs_mean", in -> Functional.crossEntropy(in.get(0), c("PROBS"), null, IGNORE, 0, Reduction.MEAN));
        CASES.put("ce_probs_weight_smoothing", in -> Functional.crossEntropy(in.get(0), c("PROBS"), c("W"), IGNORE, 0.1, Reduction.MEAN));
        CASES.put("nll_mean_weight_ignore", in -> Functional.nllLoss(in.get(0), c("T_IGN"), c("W"), IGNORE, Reduction.MEAN));
        CASES.put("bce_logits", in -> Functional.binaryCrossEntropyWithLogits(in.get(0), c("B_TARGET"), null, null, Reduction.MEAN));
        CASES.put("bce_logits_weights",
                in -> Functional.binaryCrossEntropyWithLogits(in.get(0), c("B_TARGET"), c("B_W"), c("POS_W"), Reduction.SUM));
        CASES.put("bce", in -> Functional.binaryCrossEntropy(in.get(0), c("B_TARGET"), c("B_W"), Reduction.MEAN));
        CASES.put("l1", in -> Functional.l1Loss(in.get(0), c("REG_B"), Reduction.MEAN));
        CASES.put("huber", in -> Functional.huberLoss(in.get(0), c("REG_B"), 0.7, Reduction.SUM));
        CASES.put("smooth_l1", in -> Functional.smoothL1Loss(in.get(0), c("REG_B"), 0.6, Reduction.MEAN));
    }

    private static List<Tensor> inputs(String name) {
        return ParityFixtures.inputs(F, name);
    }

    static void close(Tensor expected, Tensor actual, String what) {
        ParityFixtures.close(expected, actual, what);
    }

    @Test
    void everyCaseHasItsFixtureAndMatchesPytorchEagerly() {
        ParityFixtures.matchEagerly(F, CASES);
        long fixtures = F.keySet().stream().filter(k -> k.endsWith(".out")).count();
        assertEquals(fixtures, CASES.size(), "every PyTorch case is checked");
    }

    @Test
    void everyCaseMatchesPytorchInsideACompiledFunction() {
        ParityFixtures.matchCompiled(F, CASES);
    }

    @Test
    void aCompiledStepRunAgainGivesTheSameGradients() {
        // the plan's scatter reuses its array on later runs: it must start from zeros each time
        for (String name : List.of("ce_mean_weight_ignore", "gather1", "scatter_add0")) {
            List<Tensor> in = inputs(name);
            Tensor g = F.get(name + ".g");
            var f = Kiln.compile(args -> {
                for (Tensor t : in) {
                    t.clearGrad();
                }
                Tensor y = CASES.get(name).apply(in);
                y.mul(g).sum().backward();
                return y;
            });
            for (int run = 0; run < 3; run++) {
                f.call();
                for (int k = 0; k < in.size(); k++) {
                    close(F.get(name + ".grad" + k), in.get(k).grad(), name + " run " + run + " gradient of input " + k);
                }
            }
        }
    }

    @Test
    void erfIsWithinOneQuadrillionthOfTheReference() {
        double[] x = c("ERF_X").toDoubleArray();
        double[] ref = c("ERF_Y").toDoubleArray(); // Python's math.erf (the C library's, correctly rounded or nearly)
        double[] got = c("ERF_X").erf().toDoubleArray();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double rel = ref[i] == 0 ? Math.abs(got[i]) : Math.abs(got[i] - ref[i]) / Math.abs(ref[i]);
            worst = Math.max(worst, rel);
            assertEquals(ref[i], got[i], 1e-15 * Math.abs(ref[i]), "erf(" + x[i] + ")");
        }
        System.out.println("erf: worst relative error " + worst + " over " + x.length + " points");
    }

    @Test
    void argmaxAndArgminGiveTorchsIndices() {
        Tensor x = c("X");
        assertArrayEquals(c("argmax1").toLongArray(), x.argmax(1, false).toLongArray());
        assertArrayEquals(c("argmin0").toLongArray(), x.argmin(0, false).toLongArray());
        assertArrayEquals(c("argmax_all").toLongArray(), x.argmax().toLongArray());
        assertEquals(c("ONE_HOT").shape(), Functional.oneHot(c("T"), 6).shape());
        assertArrayEquals(c("ONE_HOT").toLongArray(), Functional.oneHot(c("T"), 6).toLongArray());
    }
}
