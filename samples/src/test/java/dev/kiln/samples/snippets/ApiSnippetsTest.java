package dev.kiln.samples.snippets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Tensor;
import dev.kiln.io.tensorboard.EventFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the API docs' examples (ApiSnippets) and checks what each computes. */
class ApiSnippetsTest {
    @Test
    void autogradGivesTwiceTheInput() {
        assertArrayEquals(new double[] {4, 6}, ApiSnippets.autograd().toDoubleArray(), 1e-12);
    }

    @Test
    void theModuleNamesItsParameters() {
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), List.copyOf(new ApiSnippets.Net().namedParameters().keySet()));
    }

    @Test
    void theCompiledStepLearnsTheSum() {
        List<Double> losses = ApiSnippets.compile();
        assertEquals(100, losses.size());
        assertTrue(losses.get(99) < 0.01 * losses.get(0), losses.get(0) + " -> " + losses.get(99));
    }

    @Test
    void theOptimizerLoopLowersTheLoss() {
        double[] firstLast = ApiSnippets.optimizer();
        assertTrue(firstLast[1] < 0.1 * firstLast[0], firstLast[0] + " -> " + firstLast[1]);
    }

    @Test
    void gradCheckPasses() {
        assertTrue(ApiSnippets.gradCheck().passed());
    }

    @Test
    void theLoaderCoversTheDatasetInBatches() {
        assertEquals(List.of(32, 32, 32, 4), ApiSnippets.dataLoader());
    }

    @Test
    void theWriterLogsThreeScalars(@TempDir Path dir) throws Exception {
        ApiSnippets.summaryWriter(dir);
        Path file;
        try (Stream<Path> files = Files.list(dir)) {
            file = files.filter(f -> f.getFileName().toString().startsWith("events.out.tfevents.")).findFirst().orElseThrow();
        }
        double[] losses = EventFile.read(file).stream().flatMap(e -> e.values().stream()).filter(v -> v.tag().equals("loss"))
                .mapToDouble(EventFile.Value::simpleValue).toArray();
        assertArrayEquals(new double[] {1.0, 0.5, 1 / 3.0}, losses, 1e-7); // TensorBoard keeps scalars as float32
    }

    @Test
    void theOnnxRoundTripComputesTheSame(@TempDir Path dir) {
        Tensor[] both = ApiSnippets.onnx(dir.resolve("net.onnx"));
        assertArrayEquals(both[0].toDoubleArray(), both[1].toDoubleArray(), 1e-6);
    }
}
