package dev.kiln.cpu.viz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Graphviz's {@code dot}, where installed: DOT text to SVG. */
final class Dot {
    private static final Path DOT = Path.of("/usr/bin/dot");

    private Dot() {
    }

    /** The dot program found on this machine, or null. */
    static Path program() {
        if (Files.isExecutable(DOT)) {
            return DOT;
        }
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "dot");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The SVG of {@code dot} (its XML prolog dropped, to embed in HTML), or null if dot failed or took over a minute. */
    static String svg(Path program, String dot) {
        try {
            Process p = new ProcessBuilder(program.toString(), "-Tsvg").redirectErrorStream(false).start();
            Thread feeder = Thread.ofVirtual().start(() -> {
                try (var in = p.getOutputStream()) {
                    in.write(dot.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // dot exited early; its status says so below
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            feeder.join();
            String svg = new String(out, StandardCharsets.UTF_8);
            int start = svg.indexOf("<svg");
            return start < 0 ? null : svg.substring(start);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
