package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.onnx.Onnx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** onnx-run prints the graph summary of a model and runs it on random input of its shapes. */
class OnnxRunSampleTest {
    @TempDir
    Path dir;

    @Test
    void printsTheSummaryAndRunsTheModel() {
        Kiln.manualSeed(1);
        Path f = dir.resolve("mlp.onnx");
        Onnx.export(new Sequential(new Linear(5, 8), new ReLU(), new Linear(8, 2)).eval(), Tensor.randn(3, 5), f, true);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Samples.main(new String[] {"sample", "onnx-run", f.toString(), "--batch", "4"});
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("opset 17") && text.contains("input  input0: float32 [?, 5]") && text.contains("MatMul"), text);
        assertTrue(text.contains("output output0: float32 [4, 2]"), text);
    }
}
