package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The quick-start (quickstart/, docs/quickstart.md) builds, tests and runs as a new user's project: Kiln's
 * jars of this build installed into an empty local repository, nothing else of Kiln's reachable, and no
 * JavaPoet among the user's dependencies ({@code .ci/quickstart} does the work; about 30 s).
 */
class QuickstartTest {
    @Test
    void theTemplateProjectBuildsTestsAndRunsFromACleanLocalRepository() throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path script = root.resolve(".ci/quickstart");
        assertTrue(Files.isExecutable(script), script + " is missing");
        Assumptions.assumeTrue(onPath("mvn"), "mvn is not on the PATH: the quick-start was not built");
        Assumptions.assumeTrue(packaged(root.resolve("runtime-cpu/target")),
                "Kiln's jars are not built (this runs inside mvn verify, after the modules are packaged): the quick-start was not built");
        Path log = Files.createTempFile("kiln-quickstart", ".log");
        try {
            Process p = new ProcessBuilder("bash", script.toString()).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(8, TimeUnit.MINUTES);
            if (!done) {
                p.destroyForcibly();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(done, "the quick-start did not finish in 8 minutes:\n" + out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("quickstart: built from an empty local repository"), out);
            System.out.println(out.strip());
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Whether the module's jar is built (mvn test stops before packaging). */
    private static boolean packaged(Path target) throws IOException {
        if (!Files.isDirectory(target)) {
            return false;
        }
        try (var files = Files.list(target)) {
            return files.map(f -> f.getFileName().toString()).anyMatch(n -> n.startsWith("kiln-runtime-cpu-") && n.endsWith(".jar")
                    && !n.endsWith("-tests.jar"));
        }
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
