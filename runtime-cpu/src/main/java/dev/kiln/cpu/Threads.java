package dev.kiln.cpu;

import dev.kiln.Kiln;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Kiln's own bounded pool of daemon worker threads (never the common pool; a library embedded in
 * a service must not take it over). Work is a fixed list of tasks: how a range is cut into tasks
 * never depends on the thread count, so results are the same whether one thread runs them all or
 * several share them.
 */
final class Threads {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static volatile ExecutorService pool;
    private static int poolSize;

    private Threads() {
    }

    /**
     * Runs {@code task.accept(i)} for every {@code i < tasks}: on the calling thread alone when
     * {@code parallel} is false or one thread is allowed, else shared by up to
     * {@link Kiln#numThreads()} threads, the caller being one. Returns when all are done; the first
     * failure is rethrown.
     */
    static void forEach(int tasks, boolean parallel, IntConsumer task) {
        int threads = Math.min(tasks, Kiln.numThreads());
        if (!parallel || threads <= 1) {
            for (int i = 0; i < tasks; i++) {
                task.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                task.accept(i);
            }
        };
        ExecutorService p = pool(threads - 1);
        Future<?>[] helpers = new Future<?>[threads - 1];
        for (int t = 0; t < helpers.length; t++) {
            helpers[t] = p.submit(worker);
        }
        RuntimeException failure = null;
        try {
            worker.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : helpers) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new IllegalStateException("interrupted while waiting for Kiln's workers", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static synchronized ExecutorService pool(int workers) {
        if (pool == null || poolSize < workers) {
            ExecutorService old = pool;
            pool = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(r, "kiln-worker-" + NAMES.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            poolSize = workers;
            if (old != null) {
                old.shutdown();
            }
        }
        return pool;
    }
}
