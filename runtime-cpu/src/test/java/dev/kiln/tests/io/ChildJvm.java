package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A fresh JVM on the tests' class path: a crash, a small heap, a resumed run. */
final class ChildJvm {
    private ChildJvm() {
    }

    record Result(int exit, String output) {
    }

    /** Runs {@code main} of {@code mainClass} with {@code jvmArgs} and {@code args}; at most {@code seconds}. */
    static Result run(Class<?> mainClass, List<String> jvmArgs, List<String> args, int seconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(jvmArgs);
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "the child JVM did not finish within " + seconds + " s");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
