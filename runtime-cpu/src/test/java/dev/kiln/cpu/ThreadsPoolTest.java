package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Kiln;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Kiln's workers: every task once, at most the allowed threads, failures rethrown, busy workers never waited for. */
class ThreadsPoolTest {

    private static void withThreads(int n, Runnable body) {
        int before = Kiln.numThreads();
        Kiln.setNumThreads(n);
        try {
            body.run();
        } finally {
            Kiln.setNumThreads(before);
        }
    }

    @Test
    void everyTaskRunsOnceOnAtMostTheAllowedThreads() {
        int startedBefore = Threads.started(); // other tests in this JVM may have asked for more
        for (int threads : new int[] {1, 2, 3}) {
            withThreads(threads, () -> {
                for (int job = 0; job < 2000; job++) {
                    int tasks = 1 + job % 37;
                    AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                    Set<Thread> seen = ConcurrentHashMap.newKeySet();
                    Threads.forEach(tasks, true, i -> {
                        runs.incrementAndGet(i);
                        seen.add(Thread.currentThread());
                    });
                    for (int i = 0; i < tasks; i++) {
                        assertEquals(1, runs.get(i), "task " + i + " of job " + job);
                    }
                    assertTrue(seen.size() <= threads, seen.size() + " threads for " + threads + " allowed");
                    for (Thread t : seen) {
                        assertTrue(t == Thread.currentThread() || t.isDaemon() && t.getName().startsWith("kiln-worker-"), t.getName());
                    }
                }
            });
        }
        assertTrue(Threads.started() <= Math.max(startedBefore, 2),
                "workers are bounded by the largest thread count asked for, less the caller");
    }

    @Test
    void aFailureIsRethrownAndTheWorkersCarryOn() {
        withThreads(2, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Threads.forEach(64, true, i -> {
                        if (i == 40) {
                            throw new IllegalStateException("task 40");
                        }
                    }));
            assertEquals("task 40", e.getMessage());
            AtomicIntegerArray runs = new AtomicIntegerArray(64);
            Threads.forEach(64, true, runs::incrementAndGet);
            for (int i = 0; i < 64; i++) {
                assertEquals(1, runs.get(i));
            }
        });
    }

    @Test
    void concurrentAndNestedCallersFinish() throws Exception {
        withThreads(2, () -> assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (ExecutorService callers = Executors.newFixedThreadPool(3)) {
                Future<?>[] f = new Future<?>[3];
                for (int c = 0; c < f.length; c++) {
                    f[c] = callers.submit(() -> {
                        for (int job = 0; job < 300; job++) {
                            AtomicIntegerArray runs = new AtomicIntegerArray(8 * 8);
                            // a task that hands out work itself runs it on its own thread
                            Threads.forEach(8, true, i -> Threads.forEach(8, true, k -> runs.incrementAndGet(i * 8 + k)));
                            for (int i = 0; i < 64; i++) {
                                assertEquals(1, runs.get(i));
                            }
                        }
                        return null;
                    });
                }
                for (Future<?> x : f) {
                    x.get();
                }
            }
        }));
    }
}
