package dev.kiln.tests.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.distributed.ProcessGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Collectives and data-parallel training under {@code mpirun} (child processes on loopback, bounded in
 * time): 2 ranks, and 3 oversubscribed for an odd world; ranks that time out, leave or die. Where no {@code mpirun} is on the PATH the
 * tests say so once and are skipped.
 */
class DistributedTest {
    private static final List<String> TRAININGS = List.of("train:sgd:eager:FLOAT64", "train:adam:eager:FLOAT64",
            "train:sgd:compiled:FLOAT64", "train:adam:compiled:FLOAT64", "train:adam:eager:FLOAT32", "train:adam:compiled:FLOAT32");

    /** Runs without mpirun: a process that looks launched by MPI but finds no MPI library says what to install. */
    @Test
    void noMpiLibrarySaysWhatToInstall() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Dkiln.mpi.library=/nonexistent/libmpi.so",
                "-cp", System.getProperty("java.class.path"), DistributedWorker.class.getName(), "collectives").redirectErrorStream(true);
        pb.environment().put("OMPI_COMM_WORLD_SIZE", "2");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertTrue(p.exitValue() != 0, out);
        assertTrue(out.contains("no MPI library was found") && out.contains("openmpi-bin"), out);
    }

    static boolean mpirunFound() {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            found |= Files.isExecutable(Path.of(dir, "mpirun"));
        }
        return found;
    }

    private static boolean warned;

    /** Skips the calling test where there is no mpirun, saying why once. */
    static synchronized void mpirun() {
        boolean found = mpirunFound();
        if (!found && !warned) {
            warned = true;
            System.err.println("WARNING: mpirun is not on the PATH: the distributed tests are skipped "
                    + "(install Open MPI: apt-get install --no-install-recommends openmpi-bin)");
        }
        Assumptions.assumeTrue(found, "mpirun is not on the PATH (install openmpi-bin)");
    }

    record Run(int exit, String output, Map<String, Map<Integer, String>> results, Path dir) {
        /** The parameters {@code name} trained to on {@code rank}, as hex bits. */
        String params(String name, int rank) throws IOException {
            result(name, rank);
            return Files.readString(dir.resolve(name.replace(':', '_') + "." + rank));
        }

        String result(String name, int rank) {
            Map<Integer, String> r = results.get(name);
            if (r == null || !r.containsKey(rank)) {
                throw new AssertionError("no result " + name + " from rank " + rank + " in:\n" + output);
            }
            return r.get(rank);
        }
    }

    /** A started {@code mpirun}: its process, the file its output goes to, the workers' output directory. */
    record Launch(Process process, Path log, Path dir, int seconds) {
    }

    /** Starts {@code mpirun -np ranks} of {@link DistributedWorker} with {@code scenarios}. */
    static Launch start(int ranks, int seconds, String... scenarios) throws IOException {
        mpirun();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of("mpirun", "-np", Integer.toString(ranks), "--oversubscribe", java,
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                DistributedWorker.class.getName()));
        Path dir = Files.createTempDirectory("kiln-ddp");
        cmd.add("--out=" + dir);
        cmd.addAll(List.of(scenarios));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        env.put("OMPI_MCA_btl", "self,vader");
        env.put("OMPI_MCA_oob_tcp_if_include", "lo");
        // a session directory of its own: launches started together raced to mkdir the shared /tmp/ompi.HOST.UID
        env.put("OMPI_MCA_orte_tmpdir_base", Files.createTempDirectory("kiln-ompi").toString());
        Path log = Files.createTempFile("kiln-mpirun", ".log");
        pb.redirectOutput(log.toFile());
        return new Launch(pb.start(), log, dir, seconds);
    }

    /** Waits for a started {@code mpirun} (killed after its time) and collects its results. */
    static Run finish(Launch l) throws IOException, InterruptedException {
        Process p = l.process();
        boolean finished = p.waitFor(l.seconds(), TimeUnit.SECONDS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(l.log(), StandardCharsets.UTF_8);
        Files.delete(l.log());
        assertTrue(finished, "mpirun did not finish within " + l.seconds() + " s:\n" + out);
        Map<String, Map<Integer, String>> results = new HashMap<>();
        for (String line : out.lines().toList()) {
            if (line.startsWith("RESULT ")) {
                String[] f = line.split(" ", 4);
                results.computeIfAbsent(f[1], k -> new HashMap<>()).put(Integer.parseInt(f[2]), f.length > 3 ? f[3] : "");
            }
        }
        return new Run(p.exitValue(), out, results, l.dir());
    }

    /** {@code mpirun -np ranks} of {@link DistributedWorker} with {@code scenarios}, killed after {@code seconds}. */
    static Run mpirun(int ranks, int seconds, String... scenarios) throws IOException, InterruptedException {
        return finish(start(ranks, seconds, scenarios));
    }

    @Test
    void twoRanksCollectivesSamplerAndTraining() throws Exception {
        List<String> scenarios = new ArrayList<>(List.of("collectives", "mismatch", "sampler"));
        scenarios.addAll(TRAININGS);
        Run run = mpirun(2, 150, scenarios.toArray(String[]::new));
        assertEquals(0, run.exit(), run.output());
        for (int r = 0; r < 2; r++) {
            assertEquals("ok", run.result("collectives", r));
            assertEquals("ok", run.result("sampler", r));
            String m = run.result("mismatch", r);
            assertTrue(m.contains("rank 0") && m.contains("rank 1") && m.contains("[3, 4]") && m.contains("[4, 3]"), m);
            String c = run.result("mismatch-count", r);
            assertTrue(c.contains("float32[2]") && c.contains("float32[3]"), c);
        }
        for (String t : TRAININGS) {
            // the same bits on every rank after every step
            assertEquals(run.params(t, 0), run.params(t, 1), t + ": ranks diverged");
            // and what one process computes on the whole batch
            String[] p = t.split(":");
            DType dtype = DType.valueOf(p[3]);
            double[] alone = DistributedWorker.train(ProcessGroup.world(), p[1], p[2].equals("compiled"), dtype);
            double[] two = DistributedWorker.unhex(run.params(t, 0));
            assertArrayEquals(alone, two, dtype == DType.FLOAT64 ? 1e-12 : 2e-5, t + ": 2 ranks x 6 rows differ from 1 process x 12 rows");
        }
    }

    @Test
    void threeRanksAnOddWorld() throws Exception {
        Run run = mpirun(3, 120, "collectives", "sampler", "train:adam:compiled:FLOAT64");
        assertEquals(0, run.exit(), run.output());
        double[] alone = DistributedWorker.train(ProcessGroup.world(), "adam", true, DType.FLOAT64);
        for (int r = 0; r < 3; r++) {
            assertEquals("ok", run.result("collectives", r));
            assertEquals(run.params("train:adam:compiled:FLOAT64", 0), run.params("train:adam:compiled:FLOAT64", r));
        }
        assertArrayEquals(alone, DistributedWorker.unhex(run.params("train:adam:compiled:FLOAT64", 0)), 1e-12);
    }

    @Test
    void aCallOneRankNeverMakesTimesOutNamingTheRankAndTheCall() throws Exception {
        Run run = mpirun(2, 60, "missing");
        String m = run.result("missing", 0);
        assertTrue(m.contains("rank 0 of 2") && m.contains("allReduce") && m.contains("did not complete within 3 s"), m);
    }

    /**
     * A rank that leaves while its peer waits in a collective (it returns from main, throws, calls
     * System.exit, gets SIGTERM) fails the peer within seconds, naming the rank (pid, host) and why;
     * then both exit by themselves, each with its own status: no "exiting improperly" from mpirun,
     * whose status is the leaver's (0 when it returned). The four jobs run side by side.
     */
    @Test
    void aRankThatLeavesFailsItsPeerWithinSecondsNamingIt() throws Exception {
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put("return", "it returned from main");
        reasons.put("throw", "it threw java.lang.IllegalStateException: a bug of rank 1's");
        reasons.put("exit", "it called System.exit (in thread main)");
        reasons.put("term", "it was shut down by SIGTERM");
        Map<String, Integer> status = Map.of("return", 0, "throw", 1, "exit", 5, "term", 143);
        Map<String, Launch> launches = new LinkedHashMap<>();
        for (String how : reasons.keySet()) {
            launches.put(how, start(2, 90, "leave:" + how));
        }
        StringBuilder times = new StringBuilder();
        for (String how : reasons.keySet()) {
            Run run = finish(launches.get(how));
            String[] left = run.output().lines().filter(l -> l.startsWith("LEFT ")).findFirst()
                    .orElseThrow(() -> new AssertionError(how + ": rank 1 did not leave:\n" + run.output())).split(" ");
            String[] got = run.result("leave", 0).split(" ", 2);
            long after = Long.parseLong(got[0]) - Long.parseLong(left[2]);
            String m = got[1];
            assertTrue(m.startsWith("allReduce(SUM) of float32[5]") && m.contains("failed on rank 0 of 2: rank 1 (pid " + left[1] + ", host ")
                    && m.contains(") left the group: " + reasons.get(how)), how + ": " + m);
            assertTrue(after < 5000, how + ": rank 0 failed " + after + " ms after rank 1 left");
            assertTrue(!run.output().contains("improperly"), how + ":\n" + run.output());
            assertEquals(status.get(how), run.exit(), how + ":\n" + run.output());
            times.append(how).append(' ').append(after).append(" ms; ");
        }
        System.out.println("a rank that left failed its peer after: " + times);
    }

    @Test
    void aRankThatDiesEndsTheJobInsteadOfHangingIt() throws Exception {
        Run run = mpirun(2, 60, "dies");
        long end = System.currentTimeMillis();
        assertTrue(run.exit() != 0, "mpirun reports the failure:\n" + run.output());
        assertTrue(!run.output().contains("RESULT dies 0 returned"), run.output());
        long halted = Long.parseLong(run.result("dies", 1).split(" ")[1]);
        System.out.println("a dead rank ended the job " + (end - halted) + " ms after it halted; mpirun said:\n"
                + run.output().lines().filter(l -> !l.startsWith("RESULT")).limit(8).reduce("", (a, b) -> a + b + "\n"));
    }
}
