package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.BatchNorm2d;
import dev.kiln.nn.Functional;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Convolution, pooling, padding and normalization against PyTorch 1.13 in float64
 * (resources/nn/make_conv_fixtures.py): values, gradients with respect to inputs and weights, and batch
 * norm's running statistics after a training call, to 1e-10, eagerly and inside a compiled function.
 */
class ConvParityTest {
    static final Map<String, Tensor> F = ParityFixtures.load("/nn/conv.safetensors");
    static final Map<String, Function<List<Tensor>, Tensor>> CASES = new LinkedHashMap<>();

    static Tensor c(String name) {
        return F.get("const." + name);
    }

    static int[] i(int... v) {
        return v;
    }

    static {
        CASES.put("conv2d_bias", in -> Functional.conv2d(in.get(0), in.get(1), in.get(2)));
        CASES.put("conv2d_groups_stride_pad_dil", in -> Functional.conv2d(in.get(0), in.get(1), null, i(3, 2), i(4, 1), i(2, 3), 2));
        CASES.put("conv2d_stride_gt_kernel", in -> Functional.conv2d(in.get(0), in.get(1), in.get(2), i(3), i(0), i(1), 1));
        CASES.put("conv2d_pad_beyond_reach", in -> Functional.conv2d(in.get(0), in.get(1), in.get(2), i(2, 3), i(3), i(1), 1));
        CASES.put("conv_transpose2d_depthwise", in -> Functional.convTranspose2d(in.get(0), in.get(1), null, i(1), i(2), i(0), 3, i(1)));
        CASES.put("conv2d_depthwise", in -> Functional.conv2d(in.get(0), in.get(1), in.get(2), i(1), i(1), i(1), 4));
        CASES.put("conv2d_same_dil", in -> Functional.conv2d(in.get(0), in.get(1), null, i(1), "same", i(1, 2), 1));
        CASES.put("conv2d_valid_unbatched", in -> Functional.conv2d(in.get(0), in.get(1), null, i(1), "valid", i(1), 1));
        CASES.put("conv1d", in -> Functional.conv1d(in.get(0), in.get(1), in.get(2), 2, 2, 2, 1));
        CASES.put("conv1d_same_groups", in -> Functional.conv1d(in.get(0), in.get(1), null, 1, "same", 1, 2));
        CASES.put("conv_transpose2d", in -> Functional.convTranspose2d(in.get(0), in.get(1), in.get(2), i(2), i(1), i(1), 1, i(1)));
        CASES.put("conv_transpose2d_groups_dil",
                in -> Functional.convTranspose2d(in.get(0), in.get(1), null, i(3, 2), i(0, 1), i(2, 1), 2, i(1, 2)));
        CASES.put("unfold", in -> Functional.unfold(in.get(0), i(3, 2), i(1, 2), i(1, 0), i(2, 3)));
        CASES.put("fold", in -> Functional.fold(in.get(0), i(7, 8), i(2, 3), i(2, 1), i(1, 2), i(2, 3)));
        CASES.put("pad_constant", in -> Functional.pad(in.get(0), i(1, 2, 3, 0), "constant", 0.5));
        CASES.put("pad_constant_crop", in -> Functional.pad(in.get(0), i(-1, 2, 0, 1)));
        CASES.put("pad_reflect", in -> Functional.pad(in.get(0), i(2, 3, 4, 1), "reflect", 0));
        CASES.put("pad_replicate", in -> Functional.pad(in.get(0), i(3, 0, 1, 5), "replicate", 0));
        CASES.put("pad_circular", in -> Functional.pad(in.get(0), i(2, 1, 3, 0), "circular", 0));
        CASES.put("max_pool2d", in -> Functional.maxPool2d(in.get(0), i(3), i(2), i(1), i(1), false));
        CASES.put("max_pool2d_ceil_dil", in -> Functional.maxPool2d(in.get(0), i(3, 2), i(2, 3), i(1), i(2, 1), true));
        CASES.put("max_pool2d_stride_gt_kernel", in -> Functional.maxPool2d(in.get(0), i(2), i(3), i(0), i(1), false));
        CASES.put("avg_pool2d_include_pad", in -> Functional.avgPool2d(in.get(0), i(3), i(2), i(1), false, true));
        CASES.put("avg_pool2d_ceil_exclude_pad", in -> Functional.avgPool2d(in.get(0), i(3, 2), i(2, 3), i(1), true, false));
        CASES.put("avg_pool2d_ceil_include_pad", in -> Functional.avgPool2d(in.get(0), i(3), i(2), i(1), true, true));
        CASES.put("adaptive_avg_pool2d", in -> Functional.adaptiveAvgPool2d(in.get(0), i(4, 3)));
        CASES.put("adaptive_avg_pool2d_up", in -> Functional.adaptiveAvgPool2d(in.get(0), i(7, 3)));
        CASES.put("batch_norm_train", in -> Functional.batchNorm(in.get(0), c("RM").clone(), c("RV").clone(), in.get(1), in.get(2), true,
                0.1, 1e-5));
        CASES.put("batch_norm_eval", in -> Functional.batchNorm(in.get(0), c("RM"), c("RV"), in.get(1), in.get(2), false, 0.1, 1e-3));
        CASES.put("batch_norm1d_train_no_affine", in -> Functional.batchNorm(in.get(0), c("RM4").clone(), c("RV4").clone(), null, null,
                true, 0.3, 1e-5));
        CASES.put("batch_norm3d_train_no_stats", in -> Functional.batchNorm(in.get(0), null, null, null, null, true, 0.1, 1e-5));
        CASES.put("layer_norm", in -> Functional.layerNorm(in.get(0), i(4, 5), in.get(1), in.get(2), 1e-5));
        CASES.put("layer_norm_plain", in -> Functional.layerNorm(in.get(0), i(7), null, null, 1e-5));
        CASES.put("group_norm", in -> Functional.groupNorm(in.get(0), 3, in.get(1), in.get(2), 1e-5));
    }

    @Test
    void everyCaseMatchesPytorchEagerly() {
        ParityFixtures.matchEagerly(F, CASES);
        assertEquals(F.keySet().stream().filter(k -> k.endsWith(".out") && !k.startsWith("const.")).count(), CASES.size(),
                "every PyTorch case is checked");
    }

    @Test
    void everyCaseMatchesPytorchInsideACompiledFunction() {
        ParityFixtures.matchCompiled(F, CASES);
    }

    @Test
    void maxPoolingGivesPytorchsIndicesEagerAndCompiled() {
        record Pool(String name, int[] k, int[] s, int[] p, int[] d, boolean ceil) {
        }
        for (Pool p : List.of(new Pool("max_pool2d", i(3), i(2), i(1), i(1), false),
                new Pool("max_pool2d_ceil_dil", i(3, 2), i(2, 3), i(1), i(2, 1), true),
                new Pool("max_pool2d_stride_gt_kernel", i(2), i(3), i(0), i(1), false))) {
            Tensor x = F.get(p.name() + ".in0");
            Tensor eager = Functional.maxPool2dWithIndices(x, p.k(), p.s(), p.p(), p.d(), p.ceil()).get(1);
            Tensor compiled = Kiln.compile(args -> Functional.maxPool2dWithIndices(x, p.k(), p.s(), p.p(), p.d(), p.ceil()).get(1)).call();
            long[] expected = c(p.name() + ".indices").toLongArray();
            assertArrayEquals(expected, eager.toLongArray(), p.name());
            assertArrayEquals(expected, compiled.toLongArray(), p.name() + " compiled");
        }
    }

    @Test
    void batchNormsRunningStatisticsMatchPytorchAfterATrainingCallEagerAndCompiled() {
        for (boolean compiled : new boolean[] {false, true}) {
            for (String name : List.of("batch_norm_train", "batch_norm1d_train_no_affine")) {
                boolean three = name.equals("batch_norm_train");
                Tensor rm = c(three ? "RM" : "RM4").clone();
                Tensor rv = c(three ? "RV" : "RV4").clone();
                Tensor x = F.get(name + ".in0");
                dev.kiln.Step step = args -> Functional.batchNorm(x, rm, rv, null, null, true, three ? 0.1 : 0.3, 1e-5);
                if (compiled) {
                    Kiln.compile(step).call();
                } else {
                    step.apply();
                }
                ParityFixtures.close(c(name + ".running_mean"), rm, name + " running mean, compiled " + compiled);
                ParityFixtures.close(c(name + ".running_var"), rv, name + " running var, compiled " + compiled);
            }
        }
    }

    @Test
    void batchNorm2dWithMomentumNoneKeepsTheCumulativeAverageAsPytorchEagerAndCompiled() {
        for (boolean compiled : new boolean[] {false, true}) {
            var bn = new BatchNorm2d(3, 1e-5, null, true, true, dev.kiln.DType.FLOAT64);
            try (var noGrad = Kiln.noGrad()) {
                bn.weight.copy_(c("bn_cumulative.weight"));
                bn.bias.copy_(c("bn_cumulative.bias"));
            }
            var step = Kiln.compile(args -> bn.forward(args[0]));
            for (int k = 0; k < 2; k++) {
                Tensor x = c("bn_cumulative.x" + k);
                Tensor ignored = compiled ? step.call(x) : bn.forward(x);
            }
            bn.eval();
            Tensor x2 = c("bn_cumulative.x2");
            Tensor y = compiled ? step.call(x2) : bn.forward(x2);
            ParityFixtures.close(c("bn_cumulative.eval_out"), y, "eval output, compiled " + compiled);
            for (var e : bn.stateDict().entrySet()) {
                Tensor expected = c("bn_cumulative.state." + e.getKey());
                if (e.getKey().equals("num_batches_tracked")) {
                    assertArrayEquals(expected.toLongArray(), e.getValue().toLongArray(), "num_batches_tracked, compiled " + compiled);
                } else {
                    ParityFixtures.close(expected, e.getValue(), e.getKey() + ", compiled " + compiled);
                }
            }
            assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"), List.copyOf(bn.stateDict().keySet()));
        }
    }
}
