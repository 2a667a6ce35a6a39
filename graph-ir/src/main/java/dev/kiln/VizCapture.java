package dev.kiln;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code -Dkiln.viz=FILE}, which {@code ./kiln viz SAMPLE} sets: once a function compiled in this JVM
 * has been called, its viewer page ({@link Kiln#viz}) is written to FILE and the program stops (a
 * program that ends first has it written as the JVM exits).
 */
final class VizCapture {
    private static final String FILE = System.getProperty("kiln.viz");
    private static final List<CompiledFunction> TRACKED = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean WATCHING = new AtomicBoolean();
    private static final AtomicBoolean WRITTEN = new AtomicBoolean();

    private VizCapture() {
    }

    static CompiledFunction track(CompiledFunction f) {
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
