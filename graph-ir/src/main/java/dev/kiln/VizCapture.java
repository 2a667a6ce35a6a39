package dev.kiln;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code -Dkiln.viz=FILE}, which {@code ./kiln viz SAMPLE} sets: once a function compiled in this JVM
 * has been called, its viewer page ({@link Kiln#viz}) is written to FILE and the program stops (a
 * program that ends first has it written as the JVM exits). {@code -Dkiln.viz.serve=PORT} ({@code ./kiln
 * viz SAMPLE --serve}) instead serves the first function compiled live ({@link Kiln#serveViz}) while the
 * program runs, and after it ends until the JVM is stopped.
 */
final class VizCapture {
    private static final String FILE = System.getProperty("kiln.viz");
    private static final String SERVE = System.getProperty("kiln.viz.serve");
    private static final AtomicBoolean SERVING = new AtomicBoolean();
    private static final List<CompiledFunction> TRACKED = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean WATCHING = new AtomicBoolean();
    private static final AtomicBoolean WRITTEN = new AtomicBoolean();

    private VizCapture() {
    }

    static CompiledFunction track(CompiledFunction f) {
        if (SERVE != null && SERVING.compareAndSet(false, true)) {
            int port;
            try {
                port = Integer.parseInt(SERVE);
            } catch (NumberFormatException e) {
                throw new KilnException("-Dkiln.viz.serve=" + SERVE + ": the port must be a number (0 picks a free one)");
            }
            VizServer server = Kiln.serveViz(f, port);
            System.out.println("kiln viz: serving " + server.uri() + " live (it keeps serving after the run; Ctrl-C stops it)");
            System.out.flush();
        }
        if (FILE == null) {
            return f;
        }
        TRACKED.add(f);
        if (WATCHING.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(VizCapture::writeFirstCalled));
            Thread.ofPlatform().daemon().name("kiln-viz").start(() -> {
                try {
                    while (!writeFirstCalled()) {
                        Thread.sleep(20);
                    }
                    System.exit(0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        return f;
    }

    /**
     * Writes the page of the first tracked function that has been called; whether one was (now or before).
     * Synchronized: the exit hook waits for a page the watcher is writing, so it is never cut off.
     */
    private static synchronized boolean writeFirstCalled() {
        for (CompiledFunction f : TRACKED) {
            if (!f.explain().equals("not called yet")) {
                if (WRITTEN.compareAndSet(false, true)) {
                    try {
                        System.out.println("kiln viz: page written to " + Kiln.viz(f, Path.of(FILE)).toAbsolutePath());
                    } catch (RuntimeException e) {
                        System.err.println("kiln viz: " + e.getMessage());
                    }
                    System.out.flush();
                }
                return true;
            }
        }
        return false;
    }
}
