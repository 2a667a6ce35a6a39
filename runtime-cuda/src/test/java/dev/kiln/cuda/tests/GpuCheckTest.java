package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.cuda.mock.MockCuda;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GPU check's program ({@link GpuCheck}, run by runtime-cuda/gpu-check/run.sh on a lent GPU) at smoke sizes on the mock driver, so that it cannot rot. */
class GpuCheckTest {
    @Test
    void theGpuCheckPassesOnTheMockDriverAndPrintsEveryResult() throws Exception {
        MockCuda.install();
        PrintStream old = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int failed;
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            failed = new GpuCheck(true).run(List.of("parity", "replay", "bench"));
        } finally {
            System.setOut(old);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, failed, text);
        List<String> checks = text.lines().filter(l -> l.startsWith("CHECK ")).map(l -> l.split(" ")[1]).toList();
        assertEquals(List.of("primitives_exact_arithmetic", "primitives_exact_transcendental", "primitives_fast_arithmetic",
                "primitives_fast_transcendental", "mlp_step_eager", "mlp_step_compiled", "graph_replay"), checks);
        List<String> results = text.lines().filter(l -> l.startsWith("RESULT kiln_")).map(l -> l.split(" ")[1]).toList();
        assertEquals(List.of("kiln_copy_gbps", "kiln_add_eager_gbps", "kiln_add_compiled_gbps", "kiln_cubic_eager_us", "kiln_cubic_compiled_us",
                "kiln_mlp_eager_ms", "kiln_mlp_compiled_ms"), results);
    }
}
