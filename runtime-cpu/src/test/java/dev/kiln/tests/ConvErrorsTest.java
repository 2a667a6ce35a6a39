package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.BatchNorm1d;
import dev.kiln.nn.BatchNorm2d;
import dev.kiln.nn.Conv1d;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.ConvTranspose2d;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.SGD;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad convolution, pooling, normalization and dropout arguments: a KilnException naming the problem
 * (expected and got) and the user's line, eagerly and while tracing, with the model, its buffers and the
 * optimizer unchanged.
 */
class ConvErrorsTest {
    private static final Tensor IMAGES = Tensor.zeros(Shape.of(64, 3, 28, 28), DType.FLOAT32);

    private static String fails(Executable e, String... parts) {
        String m = assertThrows(KilnException.class, e).getMessage();
        for (String p : parts) {
            assertTrue(m.contains(p), "expected \"" + p + "\" in: " + m);
        }
        assertTrue(m.contains("ConvErrorsTest.java:"), "the user's line in: " + m);
        return m;
    }

    @Test
    void aConvolutionsInputWithTheWrongChannelsNamesTheLayerTheExpectedInChannelsAndTheShape() {
        var conv = new Conv2d(1, 32, 3);
        fails(() -> conv.forward(IMAGES), "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))", "in_channels=1", "[64, 3, 28, 28]");
        fails(() -> Kiln.compile(in -> conv.forward(in[0])).call(IMAGES), "in_channels=1", "[64, 3, 28, 28]");
        fails(() -> Functional.conv2d(IMAGES, conv.weight), "expected input[64, 3, 28, 28] to have 1 channels, but got 3");
    }

    @Test
    void aKernelLargerThanThePaddedInputIsRefused() {
        Tensor w = Tensor.zeros(Shape.of(2, 3, 5, 5), DType.FLOAT32);
        fails(() -> Functional.conv2d(Tensor.zeros(Shape.of(1, 3, 3, 4), DType.FLOAT32), w, null, new int[] {1}, new int[] {0},
                new int[] {1}, 1), "padded input size per channel: (3 x 4)", "Kernel size: (5 x 5)", "can't be greater");
        fails(() -> Functional.maxPool2d(Tensor.zeros(Shape.of(1, 1, 2, 2), DType.FLOAT32), new int[] {3}, null, new int[] {0},
                new int[] {1}, false), "Output size is too small");
        fails(() -> Functional.maxPool2d(IMAGES, new int[] {3}, null, new int[] {2}, new int[] {1}, false),
                "pad should be at most half of effective kernel size");
    }

    @Test
    void groupsThatDoNotDivideTheChannelsAreRefused() {
        fails(() -> new Conv2d(4, 6, new int[] {3}, new int[] {1}, new int[] {0}, new int[] {1}, 4, true, "zeros",
                new Generator(1), DType.FLOAT32),
                "out_channels must be divisible by groups", "out_channels=6, groups=4");
        fails(() -> new Conv2d(3, 6, new int[] {3}, new int[] {1}, new int[] {0}, new int[] {1}, 2, true, "zeros",
                new Generator(1), DType.FLOAT32), "in_channels must be divisible by groups");
        fails(() -> Functional.conv2d(IMAGES, Tensor.zeros(Shape.of(4, 1, 3, 3), DType.FLOAT32), null, new int[] {1}, new int[] {0},
                new int[] {1}, 3), "groups=3 must divide the weight's out_channels (4)");
        fails(() -> Functional.groupNorm(IMAGES, 2, null, null, 1e-5), "divisible by num_groups", "num_groups=2");
    }

    @Test
    void aTransposedConvolutionsImpossibleOutputSizeIsRefused() {
        Tensor w = Tensor.zeros(Shape.of(3, 2, 1, 1), DType.FLOAT32);
        fails(() -> Functional.convTranspose2d(Tensor.zeros(Shape.of(1, 3, 1, 1), DType.FLOAT32), w, null, new int[] {1}, new int[] {1},
                new int[] {0}, 1, new int[] {1}), "Calculated output size per channel: (-1 x -1)", "Output size is too small");
        fails(() -> Functional.convTranspose2d(IMAGES, w, null, new int[] {2}, new int[] {0}, new int[] {2}, 1, new int[] {1}),
                "output padding must be smaller than either stride or dilation");
    }

    @Test
    void aKernelSizeThatIsNotPositiveIsRefusedWhereTheLayerIsMade() {
        // PyTorch: "kernel size should be greater than zero" (at the first forward); Kiln refuses it at construction, as Conv1d
        fails(() -> new ConvTranspose2d(1, 1, 0), "ConvTranspose2d: kernel size must be positive, got 0");
        fails(() -> new ConvTranspose2d(1, 1, new int[] {3, -1}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {1},
                new Generator(1), DType.FLOAT32), "ConvTranspose2d: kernel size must be positive, got -1");
        fails(() -> new Conv2d(1, 1, 0), "Conv2d: kernel size must be positive, got 0");
        fails(() -> new Conv1d(1, 1, 0), "Conv1d: kernel size must be positive, got 0");
        Tensor empty = Tensor.zeros(Shape.of(3, 2, 0, 1), DType.FLOAT32);
        fails(() -> Functional.convTranspose2d(Tensor.zeros(Shape.of(1, 3, 4, 4), DType.FLOAT32), empty, null, new int[] {1},
                new int[] {0}, new int[] {0}, 1, new int[] {1}), "convTranspose2d: kernel size must be positive, got 0");
    }

    @Test
    void batchNormInTrainingOnOneValuePerChannelIsRefusedWithTheModelAndOptimizerUnchanged() {
        var bn = new BatchNorm1d(3);
        var model = new Sequential(bn);
        var opt = new SGD(model.parameters(), 0.1, 0.9);
        Tensor one = Tensor.ones(Shape.of(1, 3), DType.FLOAT32);
        Map<String, Tensor> before = snapshot(model);
        fails(() -> bn.forward(one), "Expected more than 1 value per channel when training", "[1, 3]");
        fails(() -> Kiln.compile(in -> {
            opt.zeroGrad();
            Tensor loss = model.forward(in[0]).sum();
            loss.backward();
            opt.step();
            return loss;
        }).call(one), "Expected more than 1 value per channel when training");
        fails(() -> new BatchNorm2d(3).forward(Tensor.ones(Shape.of(1, 3, 1, 1), DType.FLOAT32)), "got input size [1, 3, 1, 1]");
        Map<String, Tensor> after = snapshot(model);
        before.forEach((k, v) -> assertArrayEquals(v.toDoubleArray(), after.get(k).toDoubleArray(), 0.0, k + " unchanged"));
        assertEquals(0L, bn.numBatchesTracked.toLongArray()[0]);
        bn.eval();
        assertEquals(Shape.of(1, 3), bn.forward(one).shape(), "in eval mode the running statistics normalize a single value");
    }

    private static Map<String, Tensor> snapshot(Sequential model) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    @Test
    void aDropoutProbabilityOutsideZeroToOneIsRefused() {
        fails(() -> new Dropout(1.5), "dropout probability has to be in [0, 1) (at least 0, below 1), but got 1.5");
        fails(() -> new Dropout(1.0), "but got 1.0; p = 1 would drop everything");
        fails(() -> new Dropout(-0.1), "but got -0.1");
        fails(() -> Functional.dropout(IMAGES, Double.NaN, true), "but got NaN");
        fails(() -> Functional.dropout2d(IMAGES, 2, false), "but got 2.0");
        fails(() -> Functional.dropout(Tensor.ones(Shape.of(4), DType.FLOAT32), 1, true), "but got 1.0");
        for (Tensor t : List.of(IMAGES)) {
            assertEquals(t, Functional.dropout(t, 0, true), "p = 0 is the identity");
        }
    }
}
