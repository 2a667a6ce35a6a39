package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * digits-mlp trains to at least 96% test accuracy, eager and compiled, within half a point of PyTorch
 * 1.13 trained from the same initial weights in the same batch order (bench/pytorch_digits.py wrote
 * its accuracy, resources/digits/pytorch_accuracy.txt).
 */
class DigitsSampleTest {
    static double pytorch() throws Exception {
        return Double.parseDouble(Files.readString(Path.of(DigitsSampleTest.class.getResource("/digits/pytorch_accuracy.txt").toURI())).trim());
    }

    @Test
    void theInitialWeightsAreTheOnesPytorchStartedFrom() throws Exception {
        Map<String, Tensor> fixture = Safetensors.load(Path.of(DigitsSampleTest.class.getResource("/digits/digits_init.safetensors").toURI()));
        Map<String, Tensor> mine = DigitsSample.model().stateDict();
        assertEquals(fixture.keySet(), mine.keySet());
        mine.forEach((k, v) -> assertArrayEquals(fixture.get(k).toFloatArray(), v.toFloatArray(), k));
    }

    @Test
    void eagerAndCompiledReachPytorchsAccuracy() throws Exception {
        double torch = pytorch();
        for (boolean compiled : new boolean[] {false, true}) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            DigitsSample.Result r = DigitsSample.run(new PrintStream(text), compiled, DigitsSample.EPOCHS, Progress.NONE);
            String out = text.toString();
            assertTrue(out.contains("test accuracy: " + String.format("%.3f", r.testAccuracy())), out);
            assertTrue(r.testAccuracy() >= 0.96, (compiled ? "compiled" : "eager") + ": " + r.testAccuracy());
            assertEquals(torch, r.testAccuracy(), 0.005, (compiled ? "compiled" : "eager") + " against PyTorch's " + torch);
            assertTrue(r.losses().getLast() < r.losses().getFirst() / 20, r.losses().toString());
        }
    }
}
