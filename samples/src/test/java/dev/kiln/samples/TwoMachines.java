package dev.kiln.samples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Two "machines" on this one: network namespaces A and B (made here, removed on close) joined by a
 * veth pair, 10.77.0.1 in A and 10.77.0.2 in B, nothing else but their own loopback. {@code mpirun}
 * runs in A with a host file of the two addresses and an {@code ssh} stand-in that starts Open MPI's
 * daemon for 10.77.0.2 in B ({@code ip netns exec}); the ranks talk over TCP only
 * ({@code btl self,tcp}: no shared memory), launcher and ranks on the veth's subnet, so none of the
 * traffic leaves the two namespaces. Needs root and {@code ip netns}: otherwise the test using it is
 * skipped, saying why.
 */
final class TwoMachines implements AutoCloseable {
    private static final String SUBNET = "10.77.0.0/24";

    private final String a;
    private final String b;
    private final Path dir;
    private final String ip;

    private TwoMachines(String ip, Path dir) {
        long pid = ProcessHandle.current().pid();
        this.ip = ip;
        this.a = "kiln-a-" + pid;
        this.b = "kiln-b-" + pid;
        this.dir = dir;
    }

    /** Makes the namespaces, or skips the calling test saying why they cannot be made here. */
    static TwoMachines create() throws IOException, InterruptedException {
        String ip = Stream.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip").filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElse(null);
        Assumptions.assumeTrue(ip != null, "iproute2's ip is not installed: ranks on two network namespaces were not tested");
        TwoMachines m = new TwoMachines(ip, Files.createTempDirectory("kiln-netns"));
        String failed;
        try {
            failed = m.setUp();
        } catch (IOException | InterruptedException | RuntimeException e) {
            m.close();
            throw e;
        }
        if (failed != null) {
            m.close();
            Assumptions.abort("cannot create network namespaces here (root and ip netns are needed): " + failed
                    + "; ranks on two network namespaces were not tested");
        }
        return m;
    }

    /** Sets up namespaces, link, host file and agent; what failed, or null. */
    private String setUp() throws IOException, InterruptedException {
        List<List<String>> steps = List.of(
                List.of(ip, "netns", "add", a),
                List.of(ip, "netns", "add", b),
                // both ends are made inside the namespaces: nothing is added to this machine's own network
                List.of(ip, "-n", a, "link", "add", "kiln0", "type", "veth", "peer", "name", "kiln0", "netns", b),
                List.of(ip, "-n", a, "addr", "add", "10.77.0.1/24", "dev", "kiln0"),
                List.of(ip, "-n", b, "addr", "add", "10.77.0.2/24", "dev", "kiln0"),
                List.of(ip, "-n", a, "link", "set", "lo", "up"),
                List.of(ip, "-n", b, "link", "set", "lo", "up"),
                List.of(ip, "-n", a, "link", "set", "kiln0", "up"),
                List.of(ip, "-n", b, "link", "set", "kiln0", "up"));
        for (List<String> step : steps) {
            String failed = exec(step);
            if (failed != null) {
                return failed;
            }
        }
        Files.writeString(dir.resolve("hosts"), "10.77.0.1 slots=1\n10.77.0.2 slots=1\n");
        Path agent = dir.resolve("agent");
        // mpirun calls its agent as it calls ssh: the host, then a shell command that starts Open MPI's daemon
        Files.writeString(agent, "#!/bin/sh\n[ \"$1\" = 10.77.0.2 ] || { echo \"agent: unknown host $1\" >&2; exit 1; }\nshift\n"
                + "exec " + ip + " netns exec " + b + " sh -c \"$*\"\n");
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwx------"));
        return null;
    }

    /** Runs a setup command; its output when it fails, else null. */
    private static String exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", cmd) + " did not finish";
        }
        return p.exitValue() == 0 ? null : String.join(" ", cmd) + ": " + out;
    }

    /** The command's start: {@code mpirun} in A, one rank per namespace; the program follows. */
    List<String> mpirun() {
        return List.of(ip, "netns", "exec", a, "mpirun", "--hostfile", dir.resolve("hosts").toString(), "-np", "2", "--mca", "plm_rsh_agent",
                dir.resolve("agent").toString());
    }

    /** The environment of {@link #mpirun}: TCP between the ranks, everything on the veth's subnet, root allowed. */
    Map<String, String> environment() {
        return Map.of("OMPI_MCA_btl", "self,tcp", "OMPI_MCA_btl_tcp_if_include", SUBNET, "OMPI_MCA_oob_tcp_if_include", SUBNET,
                "OMPI_ALLOW_RUN_AS_ROOT", "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    }

    /** Bytes sent and received so far by A's end of the veth pair. */
    long[] veth() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ip, "netns", "exec", a, "cat", "/sys/class/net/kiln0/statistics/tx_bytes",
                "/sys/class/net/kiln0/statistics/rx_bytes").redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split("\\s+");
        p.waitFor(20, TimeUnit.SECONDS);
        return new long[] {Long.parseLong(out[0]), Long.parseLong(out[1])};
    }

    /** Stops whatever still runs in the namespaces and removes them (with their veth pair) and the files. */
    @Override
    public void close() throws IOException, InterruptedException {
        for (String ns : List.of(a, b)) {
            Process p = new ProcessBuilder(ip, "netns", "pids", ns).redirectErrorStream(true).start();
            String pids = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(20, TimeUnit.SECONDS);
            for (String pid : pids.lines().filter(l -> l.matches("\\d+")).toList()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            exec(List.of(ip, "netns", "del", ns));
        }
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(files::add);
        }
        for (Path f : files) {
            Files.delete(f);
        }
        Files.delete(dir);
    }
}
