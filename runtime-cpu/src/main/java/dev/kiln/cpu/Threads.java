package dev.kiln.cpu;

import dev.kiln.Kiln;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Kiln's own bounded set of daemon worker threads (never the common pool; a library embedded in
 * a service must not take it over). Work is a fixed list of tasks: how a range is cut into tasks
 * never depends on the thread count, so results are the same whether one thread runs them all or
 * several share them.
 *
 * <p>A training step hands out work many times in quick succession (a kernel, a GEMM, the next
 * kernel), so workers spin for {@link #SPIN_NANOS} after each job before they park: a job that
 * follows soon starts without a wake-up (on this 2-core machine, waking a parked worker through
 * an executor cost a 10⁶-point step about as much as its second core saved). One job runs at a
 * time; a caller that finds the workers busy — another thread's step, or a task that itself
 * hands out work — runs its tasks on its own thread.
 */
final class Threads {
    /** How long an idle worker spins for the next job before parking. */
    static final long SPIN_NANOS = 100_000;

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final AtomicReference<Job> POSTED = new AtomicReference<>();
    private static final List<Worker> WORKERS = new ArrayList<>();
    private static volatile Worker[] workers = new Worker[0];

    private Threads() {
    }

    /** One call's tasks: claimed by counter, counted when done, the first failure kept. */
    private static final class Job {
        final int tasks;
        final IntConsumer task;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        /** Workers that may still join (the thread count minus the caller). */
        final AtomicInteger seats;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int tasks, IntConsumer task, int helpers) {
            this.tasks = tasks;
            this.task = task;
            this.seats = new AtomicInteger(helpers);
        }

        void work() {
            for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        task.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean parked;

        Worker() {
            super("kiln-worker-" + NAMES.incrementAndGet());
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (true) {
                Job job = awaitJob(seen);
                seen = job;
                if (job.seats.getAndDecrement() > 0) {
                    job.work();
                }
            }
        }

        /** The next posted job other than {@code seen}: spinning for a while, then parked until posted. */
        private Job awaitJob(Job seen) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Job job = POSTED.get();
                if (job != null && job != seen) {
                    return job;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                job = POSTED.get(); // re-check after announcing: a poster that missed the flag left its job here
                if (job == null || job == seen) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }

    /**
     * Runs {@code task.accept(i)} for every {@code i < tasks}: on the calling thread alone when
     * {@code parallel} is false, one thread is allowed, or the workers are busy; else shared by up
     * to {@link Kiln#numThreads()} threads, the caller being one. Returns when all are done; the
     * first failure is rethrown (tasks not yet started are skipped).
     */
    static void forEach(int tasks, boolean parallel, IntConsumer task) {
        int threads = Math.min(tasks, Kiln.numThreads());
        if (!parallel || threads <= 1 || !BUSY.compareAndSet(false, true)) {
            for (int i = 0; i < tasks; i++) {
                task.accept(i);
            }
            return;
        }
        Job job = new Job(tasks, task, threads - 1);
        try {
            Worker[] pool = workers(threads - 1);
            POSTED.set(job);
            for (Worker w : pool) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            job.work();
            // the claimed tasks finish on their workers
            while (job.done.get() < tasks) {
                Thread.onSpinWait();
            }
        } finally {
            POSTED.compareAndSet(job, null); // the job's task (and what it captured) is not kept
            BUSY.set(false);
        }
        Throwable failure = job.failure.get();
        if (failure instanceof RuntimeException r) {
            throw r;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** At least {@code n} workers, started on first need (only the caller holding BUSY gets here). */
    private static Worker[] workers(int n) {
        if (workers.length < n) {
            synchronized (WORKERS) {
                while (WORKERS.size() < n) {
                    Worker w = new Worker();
                    WORKERS.add(w);
                    w.start();
                }
                workers = WORKERS.toArray(new Worker[0]);
            }
        }
        return workers;
    }

    /** The worker threads started so far (for tests). */
    static int started() {
        return workers.length;
    }
}
