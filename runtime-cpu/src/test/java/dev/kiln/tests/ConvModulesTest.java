package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import dev.kiln.ir.TensorType;
import dev.kiln.nn.AdaptiveAvgPool2d;
import dev.kiln.nn.AvgPool2d;
import dev.kiln.nn.BatchNorm2d;
import dev.kiln.nn.Conv1d;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.ConvTranspose2d;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Dropout2d;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Functional;
import dev.kiln.nn.GroupNorm;
import dev.kiln.nn.LayerNorm;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MaxPool2d;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The convolutional modules: PyTorch's state-dict names, shapes and default initialization; a PyTorch
 * network's state dict loaded and run in eval mode; dropout's and batch norm's train/eval modes eagerly and
 * compiled; dropout's masks fresh on every compiled call and bit-identical to the eager ones.
 */
class ConvModulesTest {
    @Test
    void theModulesHavePytorchsStateDictNamesAndShapes() {
        var conv = new Conv2d(6, 8, new int[] {3, 2}, new int[] {1}, new int[] {0}, new int[] {1}, 2, true, new Generator(1), DType.FLOAT32);
        assertEquals(Map.of("weight", Shape.of(8, 3, 3, 2), "bias", Shape.of(8)), shapes(conv.stateDict()));
        var convT = new ConvTranspose2d(4, 6, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 2, false, new int[] {1},
                new Generator(1), DType.FLOAT32);
        assertEquals(Map.of("weight", Shape.of(4, 3, 3, 3)), shapes(convT.stateDict()));
        assertEquals(Map.of("weight", Shape.of(5, 2, 4), "bias", Shape.of(5)), shapes(new Conv1d(2, 5, 4).stateDict()));
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(new BatchNorm2d(3).stateDict().keySet()));
        assertEquals(DType.INT64, new BatchNorm2d(3).numBatchesTracked.dtype());
        assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(new BatchNorm2d(3, 1e-5, 0.1, false, true, DType.FLOAT32).stateDict().keySet()));
        assertEquals(Map.of("weight", Shape.of(4, 5), "bias", Shape.of(4, 5)), shapes(new LayerNorm(4, 5).stateDict()));
        assertEquals(Map.of("weight", Shape.of(6), "bias", Shape.of(6)), shapes(new GroupNorm(3, 6).stateDict()));
        assertEquals("Conv2d(6, 8, kernel_size=(3, 2), stride=(1, 1), groups=2)", conv.toString());
    }

    private static Map<String, Shape> shapes(Map<String, Tensor> state) {
        Map<String, Shape> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    @Test
    void convolutionsAreInitializedUniformlyWithinOneOverRootFanIn() {
        var conv = new Conv2d(4, 6, new int[] {3}, new int[] {1}, new int[] {0}, new int[] {1}, 2, true, new Generator(7), DType.FLOAT64);
        assertWithin(conv.weight, 1 / Math.sqrt(2 * 9));
        assertWithin(conv.bias, 1 / Math.sqrt(2 * 9));
        var convT = new ConvTranspose2d(4, 6, new int[] {2, 3}, new int[] {1}, new int[] {0}, new int[] {0}, 2, true, new int[] {1},
                new Generator(7), DType.FLOAT64);
        assertWithin(convT.weight, 1 / Math.sqrt(3 * 6)); // PyTorch's fan_in of the transposed weight: out/groups·kH·kW
        var conv1 = new Conv1d(3, 40, 5, 1, 0, 1, 1, true, new Generator(7), DType.FLOAT64);
        assertWithin(conv1.weight, 1 / Math.sqrt(15));
    }

    private static void assertWithin(Tensor t, double bound) {
        double max = t.abs().max().item();
        assertTrue(max <= bound && max > 0.7 * bound, "max |value| " + max + " against the bound " + bound);
    }

    @Test
    void aPytorchNetworksStateDictLoadsAndRunsInEvalModeEagerAndCompiled() {
        Map<String, Tensor> f = ConvParityTest.F;
        var net = new Sequential(new Conv2d(2, 4, 3, 2, 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 4, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {1}, 2, false, new Generator(1), DType.FLOAT32),
                new GroupNorm(2, 4), new Flatten(), new LayerNorm(16), new Linear(16, 3));
        net.to(DType.FLOAT64);
        Map<String, Tensor> state = new LinkedHashMap<>();
        f.forEach((k, v) -> {
            if (k.startsWith("const.net.state.")) {
                state.put(k.substring("const.net.state.".length()), v);
            }
        });
        net.loadStateDict(state, true);
        net.eval();
        Tensor x = f.get("const.net.x");
        try (var noGrad = Kiln.noGrad()) {
            ParityFixtures.close(f.get("const.net.out"), net.forward(x), "eager eval output");
            ParityFixtures.close(f.get("const.net.out"), Kiln.compile(in -> net.forward(in[0])).call(x), "compiled eval output");
        }
    }

    @Test
    void eachModuleRunsItsFunctionalFormWithItsOwnArguments() {
        Tensor img = Tensor.randn(Shape.of(2, 4, 9, 7), DType.FLOAT64, new Generator(9));
        Tensor seq = Tensor.randn(Shape.of(2, 4, 11), DType.FLOAT64, new Generator(10));
        int[] one = {1};
        var pool = new AvgPool2d(new int[] {3, 2}, null, one, true, false);
        same(Functional.avgPool2d(img, new int[] {3, 2}, new int[] {3, 2}, one, true, false), pool.forward(img));
        same(Functional.adaptiveAvgPool2d(img, new int[] {4, 3}), new AdaptiveAvgPool2d(new int[] {4, 3}).forward(img));
        var max = new MaxPool2d(new int[] {3}, new int[] {2}, one, new int[] {2}, true);
        same(Functional.maxPool2d(img, new int[] {3}, new int[] {2}, one, new int[] {2}, true), max.forward(img));
        same(Functional.maxPool2dWithIndices(img, new int[] {3}, new int[] {2}, one, new int[] {2}, true).get(1),
                max.forwardWithIndices(img).get(1));
        var conv1 = new Conv1d(4, 6, 3, 1, "same", 2, 2, true, new Generator(1), DType.FLOAT64);
        same(Functional.conv1d(seq, conv1.weight, conv1.bias, 1, "same", 2, 2), conv1.forward(seq));
        assertEquals(Shape.of(2, 6, 11), conv1.forward(seq).shape(), "\"same\" keeps the length");
        var convT = new ConvTranspose2d(4, 2, new int[] {3}, new int[] {2}, one, one, 2, true, one, new Generator(1), DType.FLOAT64);
        same(Functional.convTranspose2d(img, convT.weight, convT.bias, new int[] {2}, one, one, 2, one), convT.forward(img));
        assertEquals(Shape.of(2, 2, 18, 14), convT.forward(img).shape());
        var layer = new LayerNorm(new int[] {9, 7}, 1e-3, false, DType.FLOAT64);
        same(Functional.layerNorm(img, new int[] {9, 7}, null, null, 1e-3), layer.forward(img));
    }

    private static void same(Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0);
    }

    @Test
    void aConv2dTracesToTheSameFewNodesWhateverItsKernel() {
        int[] counts = new int[2];
        for (int k : new int[] {3, 5}) {
            Graph f = Tracing.trace(in -> Functional.conv2d(in.get(0), in.get(1), in.get(2)).sum(),
                    List.of(new TensorType(Shape.of(64, 1, 28, 28), DType.FLOAT32), new TensorType(Shape.of(32, 1, k, k), DType.FLOAT32),
                            new TensorType(Shape.of(32), DType.FLOAT32)));
            Graph g = Autodiff.gradientGraph(f, f.outputs().getFirst(), f.inputs().subList(0, 3));
            assertTrue(f.nodes().size() < 20 && g.nodes().size() < 40, "forward " + f.nodes().size() + ", with gradients " + g.nodes().size());
            counts[k == 3 ? 0 : 1] = g.nodes().size();
        }
        assertEquals(counts[0], counts[1], "a 5×5 kernel traces to as many nodes as a 3×3 one");
    }

    @Test
    void dropoutIsTheIdentityInEvalModeAndScalesTheKeptElementsInTraining() {
        Tensor x = Tensor.randn(Shape.of(40, 50), DType.FLOAT64, new Generator(3));
        var drop = new Dropout(0.3);
        CompiledFunction step = Kiln.compile(in -> drop.forward(in[0]));
        drop.eval();
        assertSame(x, drop.forward(x), "eval: the input itself");
        assertArrayEquals(x.toDoubleArray(), step.call(x).toDoubleArray(), 0.0, "compiled eval");
        drop.train();
        double[] in = x.toDoubleArray();
        for (Tensor y : List.of(drop.forward(x), step.call(x))) {
            double[] out = y.toDoubleArray();
            int zeros = 0;
            for (int i = 0; i < in.length; i++) {
                if (out[i] == 0) {
                    zeros++;
                } else {
                    assertEquals(in[i] / 0.7, out[i], 1e-15 * Math.abs(out[i]), "kept elements are scaled by 1/(1 − p)");
                }
            }
            assertEquals(0.3, zeros / (double) in.length, 0.05, "about p of the elements are dropped");
        }
        assertEquals(2, step.compilations(), "the compiled step traced again when the mode changed");
    }

    @Test
    void aCompiledStepDrawsAFreshMaskEveryCallBitIdenticalToEagerForTheSameGeneratorState() {
        Tensor x = Tensor.ones(Shape.of(8, 16), DType.FLOAT32);
        var drop = new Dropout(0.5);
        var drop2d = new Dropout2d(0.4);
        Tensor img = Tensor.ones(Shape.of(3, 5, 2, 3), DType.FLOAT32);
        CompiledFunction step = Kiln.compile(in -> drop.forward(in[0]).sum().add(drop2d.forward(in[1]).mul(3.0).sum()).add(0.0));
        CompiledFunction masks = Kiln.compile(in -> drop.forward(in[0]));
        Generator g = Kiln.defaultGenerator();
        g.manualSeed(26);
        Set<String> seen = new HashSet<>();
        for (int call = 0; call < 50; call++) {
            Generator.State before = g.state();
            float[] compiled = masks.call(x).toFloatArray();
            Generator.State after = g.state();
            assertNotEquals(before, after, "the compiled call advanced the generator");
            g.setState(before);
            float[] eager = drop.forward(x).toFloatArray();
            assertEquals(after, g.state(), "eager and compiled draws advance the generator alike");
            assertArrayEquals(eager, compiled, 0f, "call " + call + ": the same mask eagerly and compiled");
            assertTrue(seen.add(java.util.Arrays.toString(compiled)), "call " + call + " drew a mask seen before");
        }
        assertEquals(1, masks.compilations());
        // dropout2d zeroes whole channels, the same ones eagerly and compiled
        Generator.State s = g.state();
        float[] compiled2d = Kiln.compile(in -> drop2d.forward(in[0])).call(img).toFloatArray();
        g.setState(s);
        float[] eager2d = drop2d.forward(img).toFloatArray();
        assertArrayEquals(eager2d, compiled2d, 0f);
        for (int ch = 0; ch < 15; ch++) {
            for (int k = 1; k < 6; k++) {
                assertEquals(eager2d[ch * 6], eager2d[ch * 6 + k], 0f, "channel " + ch + " is kept or dropped whole");
            }
        }
        assertTrue(step.call(x, img).item() > 0);
    }

    @Test
    void batchNormFollowsTheModeEagerAndCompiledAndUpdatesItsBuffersOnlyInTraining() {
        var bn = new BatchNorm2d(2, 1e-5, 0.5, true, true, DType.FLOAT64);
        Tensor x = Tensor.randn(Shape.of(4, 2, 3, 3), DType.FLOAT64, new Generator(5)).mul(3.0).add(1.0);
        CompiledFunction step = Kiln.compile(in -> bn.forward(in[0]));
        var twin = new BatchNorm2d(2, 1e-5, 0.5, true, true, DType.FLOAT64);
        for (int call = 0; call < 4; call++) {
            if (call == 2) {
                bn.eval();
                twin.eval();
            }
            Tensor compiled = step.call(x);
            Tensor eager = twin.forward(x);
            ParityFixtures.close(eager, compiled, "call " + call);
            ParityFixtures.close(twin.runningMean, bn.runningMean, "running mean after call " + call);
            ParityFixtures.close(twin.runningVar, bn.runningVar, "running var after call " + call);
        }
        assertEquals(2L, bn.numBatchesTracked.toLongArray()[0], "two training calls counted, none in eval");
        assertEquals(2, step.compilations(), "one plan per mode");
        // in eval mode the running statistics normalize: the output is not standardized per channel
        double mean = step.call(x).mean().item();
        assertTrue(Math.abs(mean) > 1e-3, "eval output mean " + mean);
    }
}
