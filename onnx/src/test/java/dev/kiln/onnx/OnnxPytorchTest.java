package dev.kiln.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Inference;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.Functional;
import dev.kiln.optim.Adam;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models exported by PyTorch 1.13 (src/test/resources/onnx/make_fixtures.py) give PyTorch's outputs on the
 * same inputs, to 1e-5 in float32 and 1e-10 in float64, eagerly and compiled; the cnn fine-tunes as PyTorch's does.
 */
class OnnxPytorchTest {

    static Path fixture(String name) {
        try {
            return Path.of(OnnxPytorchTest.class.getResource("/onnx/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static List<Tensor> inputs(Map<String, Tensor> io) {
        List<Tensor> in = new ArrayList<>();
        for (int k = 0; io.containsKey("input" + k); k++) {
            in.add(io.get("input" + k));
        }
        return in;
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]) / Math.max(1, Math.abs(e[i])));
        }
        assertTrue(worst <= tol, what + ": worst difference " + worst + " > " + tol);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "mlp64", "cnn", "cnn_bn", "gpt", "gpt13", "lstm", "gru"})
    void matchesPytorchEagerAndCompiled(String name) {
        OnnxModule model = Onnx.load(fixture(name + ".onnx"));
        model.eval();
        Map<String, Tensor> io = Safetensors.load(fixture(name + ".safetensors"));
        List<Tensor> in = inputs(io);
        double tol = io.get("output0").dtype() == DType.FLOAT64 ? 1e-10 : 1e-5;
        List<Tensor> eager;
        try (var s = Kiln.noGrad()) {
            eager = model.forward(in);
        }
        CompiledFunction compiled = Kiln.compileAll(xs -> model.forward(List.of(xs)));
        List<Tensor> traced = compiled.callAll(in.toArray(Tensor[]::new));
        assertEquals(model.outputNames().size(), eager.size());
        for (int k = 0; k < eager.size(); k++) {
            assertClose(io.get("output" + k), eager.get(k), tol, name + " eager output" + k);
            assertClose(io.get("output" + k), traced.get(k), tol, name + " compiled output" + k);
        }
    }

    @Test
    void weightsAreParametersNamedAfterTheModuleTree() {
        OnnxModule cnn = Onnx.load(fixture("cnn_bn.onnx"));
        assertEquals(List.of("net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias", "net.3.weight", "net.3.bias", "net.4.weight",
                "net.4.bias", "net.9.weight", "net.9.bias", "net.12.weight", "net.12.bias"), List.copyOf(cnn.namedParameters().keySet()));
        assertEquals(List.of("net.1.running_mean", "net.1.running_var", "net.4.running_mean", "net.4.running_var"),
                List.copyOf(cnn.namedBuffers().keySet()));
        assertTrue(cnn.parameters().stream().allMatch(Tensor::requiresGrad));
    }

    @Test
    void servesThroughInferenceAndSavesAndLoadsItsState(@TempDir Path dir) {
        OnnxModule cnn = Onnx.load(fixture("cnn_bn.onnx"));
        cnn.eval();
        Map<String, Tensor> io = Safetensors.load(fixture("cnn_bn.safetensors"));
        Tensor x = io.get("input0");
        Inference serve = Inference.of(cnn::forward).rowShape(1, 28, 28).maxBatch(4).build();
        assertClose(io.get("output0"), serve.run(x), 1e-5, "Inference");
        try (var s = Kiln.noGrad()) {
            cnn.parameters().getFirst().mul_(2.0);
            cnn.buffers().getFirst().add_(0.5);
        }
        Path f = dir.resolve("cnn_bn.safetensors");
        cnn.save(f);
        OnnxModule again = Onnx.load(fixture("cnn_bn.onnx"));
        again.load(f);
        again.eval();
        try (var s = Kiln.noGrad()) {
            Tensor changed = cnn.forward(x);
            assertClose(changed, again.forward(x), 0, "reloaded state");
            assertTrue(Math.abs(changed.toDoubleArray()[0] - io.get("output0").toDoubleArray()[0]) > 1e-4, "the change shows");
        }
    }

    @Test
    void dynamicBatchAxisRunsOtherBatchSizes() {
        OnnxModule mlp = Onnx.load(fixture("mlp.onnx"));
        Map<String, Tensor> io = Safetensors.load(fixture("mlp.safetensors"));
        Tensor x = io.get("input0");
        Tensor first = x.slice(0, 0, 1, 1);
        try (var s = Kiln.noGrad()) {
            assertArrayEquals(io.get("output0").slice(0, 0, 1, 1).toFloatArray(), mlp.forward(first).toFloatArray(), 1e-6f);
            assertEquals(List.of(4, 3), List.of(mlp.forward(x).shape().dim(0), mlp.forward(x).shape().dim(1)));
        }
    }

    @Test
    void importedCnnFineTunesLikePytorch() {
        OnnxModule cnn = Onnx.load(fixture("cnn.onnx"));
        Map<String, Tensor> io = Safetensors.load(fixture("cnn.safetensors"));
        Tensor x = io.get("train_x");
        Tensor y = io.get("train_y");
        double[] expected = io.get("losses").toDoubleArray();
        Adam opt = new Adam(cnn.parameters(), Adam.Options.lr(1e-3));
        CompiledFunction step = Kiln.compile(xs -> {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(cnn.forward(xs[0]), xs[1]);
            loss.backward();
            opt.step();
            return loss;
        });
        double[] losses = new double[expected.length];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = step.call(x, y).item();
        }
        assertArrayEquals(expected, losses, 1e-4, "losses over " + losses.length + " Adam steps");
        assertTrue(losses[losses.length - 1] < losses[0], "the loss falls");
    }
}
