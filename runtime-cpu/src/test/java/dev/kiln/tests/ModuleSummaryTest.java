package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.*;
import dev.kiln.nn.Module;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** print(model) and torchinfo-style summaries against PyTorch 1.13 (fixtures from resources/nn/make_reprs.py). */
class ModuleSummaryTest {
    private static final Generator G = new Generator(1);
    private static final DType F = DType.FLOAT32;

    /** PyTorch's MNIST example network, its forward calling its children directly (as a {@code @Model} class does). */
    static final class Net extends Module {
        final Conv2d conv1 = module("conv1", new Conv2d(1, 32, 3));
        final Conv2d conv2 = module("conv2", new Conv2d(32, 64, 3));
        final Dropout dropout1 = module("dropout1", new Dropout(0.25));
        final Dropout dropout2 = module("dropout2", new Dropout(0.5));
        final Linear fc1 = module("fc1", new Linear(9216, 128));
        final Linear fc2 = module("fc2", new Linear(128, 10));

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.relu(conv1.forward(x));
            x = Functional.maxPool2d(Functional.relu(conv2.forward(x)), 2);
            x = dropout1.forward(x).flatten(1, -1);
            x = dropout2.forward(Functional.relu(fc1.forward(x)));
            return Functional.logSoftmax(fc2.forward(x), 1);
        }
    }

    static Sequential fashionCnn() {
        return new Sequential(new Conv2d(1, 32, 3), new ReLU(), new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2), new Dropout(0.25),
                new Flatten(), new Linear(9216, 128), new ReLU(), new Dropout(0.5), new Linear(128, 10));
    }

    static Sequential nested() {
        return new Sequential(new Sequential(new Linear(4, 8), new Tanh()), new Linear(8, 2));
    }

    /** The modules of make_reprs.py's MODULES, in its order. */
    static List<Module> modules() {
        int[] one = {1};
        return List.of(new Linear(9216, 128), new Linear(3, 1, false, G), new Conv2d(1, 32, 3),
                new Conv2d(3, 8, new int[] {3, 2}, new int[] {2}, new int[] {1}, new int[] {2}, 1, false, "zeros", G, F),
                new Conv2d(6, 8, new int[] {3}, one, "same", one, 2, true, "zeros", G, F),
                new Conv1d(2, 4, 3), new Conv1d(2, 4, 3, 2, 1, 1, 1, false, "zeros", G, F), new ConvTranspose2d(4, 2, 3, 2, 0, 0),
                new MaxPool2d(2), new MaxPool2d(new int[] {3, 2}, new int[] {1, 1}, new int[] {1, 0}, new int[] {1, 1}, true),
                new AvgPool2d(2), new AdaptiveAvgPool2d(new int[] {1, 1}), new AdaptiveAvgPool2d(4),
                new BatchNorm1d(10), new BatchNorm2d(32), new BatchNorm2d(8, 1e-3, null, false, true, F),
                new LayerNorm(10), new LayerNorm(4, 5), new GroupNorm(2, 4), new Dropout(0.25), new Dropout2d(0.5), new Dropout(),
                new Embedding(10, 3), new Embedding(10, 3, 0), new Flatten(), new Flatten(0, 1), new GELU(), new GELU("tanh"),
                new LeakyReLU(), new LeakyReLU(0.2), new LogSoftmax(1), new Softmax(-1), new Softplus(), new Softplus(2.0, 10.0),
                new ReLU(), new Tanh(), new Sigmoid(), new SiLU(), new MSELoss(), new MSELoss(Reduction.SUM), new CrossEntropyLoss(),
                new CrossEntropyLoss(Reduction.MEAN).labelSmoothing(0.1), new L1Loss(), new NLLLoss(), new BCELoss(), new BCEWithLogitsLoss(),
                new HuberLoss(), new SmoothL1Loss(), new LSTM(3, 4), new GRU(3, 4, 2, true, true, 0.1, false, G, F), new LSTMCell(3, 4),
                new GRUCell(3, 4, false, G, F), fashionCnn(), nested());
    }

    @Test
    void everyModulePrintsAsPyTorchPrintsIt() throws Exception {
        String[] expected = Files.readString(Path.of(getClass().getResource("/nn/reprs.txt").toURI())).strip().split("\n----\n");
        List<Module> modules = modules();
        assertEquals(expected.length, modules.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], modules.get(i).toString(), "module #" + i);
        }
    }

    @Test
    void summariesCountAsTorchinfoDoes() throws Exception {
        List<String> lines = Files.readAllLines(Path.of(getClass().getResource("/nn/summaries.txt").toURI()));
        check("net", new Net(), lines);
        check("cnn", fashionCnn(), lines);
        check("nested", nested(), lines);
    }

    private static void check(String tag, Module model, List<String> fixture) {
        Shape input = tag.equals("nested") ? Shape.of(5, 4) : Shape.of(64, 1, 28, 28);
        ModuleSummary s = model.summary(input);
        List<String> expected = new ArrayList<>();
        for (String line : fixture) {
            if (line.startsWith(tag + " ")) {
                expected.add(line);
            }
        }
        List<String> got = new ArrayList<>();
        for (ModuleSummary.Row r : s.rows()) {
            String shape = String.join("x", java.util.Arrays.stream(r.outputShape().toArray()).mapToObj(Integer::toString).toList());
            got.add(tag + " " + (r.path().isEmpty() ? "-" : r.path()) + " " + (r.depth() == 0 ? model.getClass().getSimpleName() : r.type())
                    + " " + shape + " " + r.params() + " " + r.multAdds());
        }
        got.add(tag + " total " + s.totalParams() + " " + s.totalMultAdds() + " " + s.forwardBackwardBytes());
        assertEquals(expected, got);
        assertTrue(s.toString().contains("Total params: " + String.format("%,d", s.totalParams())), s.toString());
    }

    @Test
    void theTableIsTorchinfosWithTreeAndTotals() {
        String table = nested().summary(Shape.of(5, 4)).toString();
        assertTrue(table.contains("├─Sequential (0): 1-1"), table);
        assertTrue(table.contains("│    ├─Linear (0): 2-1"), table);
        assertTrue(table.contains("│    └─Tanh (1): 2-2"), table);
        assertTrue(table.contains("└─Linear (1): 1-2"), table);
        assertTrue(table.contains("Total params: 58\nTrainable params: 58\nNon-trainable params: 0\nTotal mult-adds (M): 0.00"), table);
        assertTrue(table.contains("Params size (MB): 0.00"), table);
    }

    @Test
    void summaryRestoresModesAndFreezesCountApart() {
        Sequential model = fashionCnn();
        model.get(5).eval();
        Linear last = model.get(10);
        last.bias.requiresGrad_(false);
        ModuleSummary s = model.summary(Shape.of(2, 1, 28, 28));
        assertTrue(model.isTraining());
        assertFalse(model.<Module>get(5).isTraining());
        assertEquals(10, s.nonTrainableParams());
        assertEquals(1_199_882 - 10, s.trainableParams());
    }

    @Test
    void oneInputShapeIsAsked() {
        KilnException e = assertThrows(KilnException.class, () -> nested().summary(Shape.of(5, 4), Shape.of(5, 4)));
        assertTrue(e.getMessage().contains("give one input shape; got 2"), e.getMessage());
    }
}
