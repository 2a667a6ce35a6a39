package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.distributed.ProcessGroup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code mpirun -np 2 ... sample ddp} prints the single process's losses (float32 tolerance), compiled. */
class DdpSampleTest {
    private static List<Double> losses(String text) {
        List<Double> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("epoch ")) {
                out.add(Double.parseDouble(line.split(" ")[3]));
            }
        }
        return out;
    }

    @Test
    void twoRanksPrintWhatOneProcessPrints() throws Exception {
        boolean mpirun = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            mpirun |= Files.isExecutable(Path.of(dir, "mpirun"));
        }
        Assumptions.assumeTrue(mpirun, "mpirun is not on the PATH (install openmpi-bin): the ddp sample was not run on 2 ranks");
        ByteArrayOutputStream alone = new ByteArrayOutputStream();
        List<Double> expected = DdpSample.run(new PrintStream(alone, true, StandardCharsets.UTF_8), ProcessGroup.world(), true, 3);

        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder("mpirun", "-np", "2", "--oversubscribe", java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Samples.class.getName(), "sample", "ddp",
                "--compiled", "--epochs", "3").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        env.put("OMPI_MCA_btl", "self,vader");
        env.put("OMPI_MCA_oob_tcp_if_include", "lo");
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), text);
        assertEquals(0, p.exitValue(), text);
        List<Double> two = losses(text);
        assertEquals(3, two.size(), "only rank 0 prints, one line per epoch:\n" + text);
        assertTrue(text.contains("ranks: 2"), text);
        for (int i = 0; i < 3; i++) {
            assertEquals(expected.get(i), two.get(i), 1e-5 * expected.get(i), "epoch " + (i + 1) + "\n" + alone + "\n" + text);
        }
    }
}
