package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.distributed.ProcessGroup;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The ddp sample on 2 ranks prints the single process's losses (float32 tolerance), compiled, launched
 * as a module-path application the ways docs/distributed.md gives: {@code ./kiln mpirun -np 2 java -p
 * ... -m ...} on this machine, and {@code mpirun --hostfile ... env java -p ... -m ...} on two
 * "machines" (see {@link TwoMachines}).
 */
class DdpSampleTest {
    private static final int EPOCHS = 3;
    private static List<Double> alone;
    private static String aloneText;

    /** What one process prints, computed once. */
    private static synchronized List<Double> alone() {
        if (alone == null) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            alone = DdpSample.run(new PrintStream(out, true, StandardCharsets.UTF_8), ProcessGroup.world(), true, EPOCHS);
            aloneText = out.toString(StandardCharsets.UTF_8);
        }
        return alone;
    }

    static void assumeMpirun() {
        boolean mpirun = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            mpirun |= Files.isExecutable(Path.of(dir, "mpirun"));
        }
        Assumptions.assumeTrue(mpirun, "mpirun is not on the PATH (install openmpi-bin): the ddp sample was not run on 2 ranks");
    }

    /** The module path that runs the samples: where this test's class path holds each module they need. */
    static String modulePath() {
        Path[] entries = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator)).map(Path::of)
                .filter(p -> !p.endsWith("test-classes")).toArray(Path[]::new);
        Configuration c = ModuleLayer.boot().configuration().resolve(ModuleFinder.of(entries), ModuleFinder.of(), Set.of("dev.kiln.samples"));
        return c.modules().stream().map(m -> Path.of(m.reference().location().orElseThrow()).toString()).sorted()
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** The JVM's arguments that run {@code sample ddp} from the module path. */
    static List<String> jvmArguments() {
        return List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=dev.kiln.distributed", "--illegal-native-access=deny", "-p", modulePath(), "-m",
                "dev.kiln.samples/dev.kiln.samples.Samples", "sample", "ddp", "--compiled", "--epochs", Integer.toString(EPOCHS));
    }

    static List<Double> losses(String text) {
        List<Double> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("epoch ")) {
                out.add(Double.parseDouble(line.split(" ")[3]));
            }
        }
        return out;
    }

    /** Checks that 2 ranks printed what one process prints. */
    static void assertSameAsAlone(String text) {
        List<Double> expected = alone();
        List<Double> two = losses(text);
        assertEquals(EPOCHS, two.size(), "only rank 0 prints, one line per epoch:\n" + text);
        assertTrue(text.contains("ranks: 2"), text);
        for (int i = 0; i < EPOCHS; i++) {
            assertEquals(expected.get(i), two.get(i), 1e-5 * expected.get(i), "epoch " + (i + 1) + "\n" + aloneText + "\n" + text);
        }
    }

    /** Runs {@code cmd} with {@code env} added, within {@code seconds}; its output. */
    static String run(List<String> cmd, Map<String, String> env, int seconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = Files.createTempFile("kiln-ddp", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        boolean finished = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String text = Files.readString(log);
        Files.delete(log);
        assertTrue(finished, String.join(" ", cmd) + " did not finish within " + seconds + " s:\n" + text);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    @Test
    void twoRanksOnThisMachinePrintWhatOneProcessPrints() throws Exception {
        assumeMpirun();
        List<String> cmd = new ArrayList<>(List.of(Path.of("..", "kiln").toAbsolutePath().normalize().toString(), "mpirun", "-np", "2", "java"));
        cmd.addAll(jvmArguments());
        assertSameAsAlone(run(cmd, Map.of(), 120));
    }

    @Test
    void twoRanksOnTwoMachinesPrintWhatOneProcessPrints() throws Exception {
        assumeMpirun();
        try (TwoMachines machines = TwoMachines.create()) {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(machines.mpirun());
            cmd.addAll(List.of("env", java));
            cmd.addAll(jvmArguments());
            long[] before = machines.veth();
            String text = run(cmd, machines.environment(), 120);
            long[] after = machines.veth();
            assertSameAsAlone(text);
            long sent = after[0] - before[0];
            long received = after[1] - before[1];
            // rank 1's gradients and the launcher's traffic crossed the veth pair
            assertTrue(sent > 1_000_000 && received > 1_000_000, "bytes over the veth: sent " + sent + ", received " + received);
            System.out.println("ddp on two network namespaces over TCP: " + sent + " bytes sent, " + received + " received by rank 0's side");
        }
    }
}
