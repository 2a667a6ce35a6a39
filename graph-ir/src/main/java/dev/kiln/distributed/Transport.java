package dev.kiln.distributed;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.ir.Collective;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Moves a group's bytes: alone (one process, nothing moves) or through MPI. Buffers are native
 * memory of {@code count} elements of a dtype; counts above 2³⁰ are split into several calls.
 */
abstract class Transport {
    /** Elements per MPI call (MPI counts are C ints). */
    static final long CHUNK = 1L << 30;

    abstract int rank();

    abstract int size();

    abstract String describe();

    abstract void allReduce(MemorySegment buf, long count, DType t, Collective.Kind kind, String what);

    abstract void broadcast(MemorySegment buf, long count, DType t, int root, String what);

    /** {@code recv} holds {@code size()} blocks of {@code count}: block r is rank r's {@code send}. */
    abstract void allGather(MemorySegment send, long count, DType t, MemorySegment recv, String what);

    abstract void barrier(String what);

    static long bytes(DType t) {
        return switch (t) {
            case FLOAT64, INT64 -> 8;
            case FLOAT32, INT32 -> 4;
            case BOOL -> 1;
        };
    }

    /** One process: collectives are the identity. */
    static final class Alone extends Transport {
        int rank() {
            return 0;
        }

        int size() {
            return 1;
        }

        String describe() {
            return "a single process (no MPI launcher)";
        }

        void allReduce(MemorySegment buf, long count, DType t, Collective.Kind kind, String what) {
        }

        void broadcast(MemorySegment buf, long count, DType t, int root, String what) {
        }

        void allGather(MemorySegment send, long count, DType t, MemorySegment recv, String what) {
            MemorySegment.copy(send, 0, recv, 0, count * bytes(t));
        }

        void barrier(String what) {
        }
    }

    /**
     * MPI, called from one platform thread of its own ({@code MPI_THREAD_FUNNELED}): any thread may
     * call a collective; it runs there, as a non-blocking MPI call polled with {@code MPI_Test} until
     * done or until the timeout, which then fails the call with the rank and the call's name and
     * leaves the group broken (a collective cannot be cancelled).
     */
    static final class OverMpi extends Transport {
        /**
         * How long the MPI thread spins for the next call before it parks. Short: with fewer cores than
         * ranks, spinning threads take the cores the other ranks' threads need (measured: 50 µs of
         * spinning on both sides of the hand-off made an 8-byte all-reduce 2.5x slower on 2 cores).
         */
        private static final long SPIN_NANOS = 2_000;

        private final Mpi mpi;
        private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
        private final Thread thread;
        private volatile Duration timeout;
        private volatile String broken;
        private int rank;
        private int size;
        private String version;
        OverMpi(Duration timeout) {
            this.mpi = Mpi.load();
            this.timeout = timeout;
            CompletableFuture<Void> started = new CompletableFuture<>();
            thread = Thread.ofPlatform().name("kiln-mpi").daemon(true).unstarted(() -> serve(started));
            thread.start();
            try {
                started.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new KilnException("MPI did not start: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KilnException("interrupted while MPI started");
            }
            Runtime.getRuntime().addShutdownHook(new Thread(this::finish, "kiln-mpi-finalize"));
        }

        private void serve(CompletableFuture<Void> started) {
            try {
                if (!mpi.initialized()) {
                    mpi.init();
                }
                rank = mpi.rank();
                size = mpi.size();
                version = mpi.version();
                started.complete(null);
            } catch (Throwable t) {
                started.completeExceptionally(t);
                return;
            }
            while (true) {
                Runnable r = tasks.poll();
                long until = System.nanoTime() + SPIN_NANOS;
                for (int spin = 0; r == null && (spin < 64 || System.nanoTime() < until); spin++) {
                    Thread.onSpinWait();
                    r = tasks.poll();
                }
                if (r == null) {
                    try {
                        r = tasks.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                r.run();
            }
        }

        void timeout(Duration d) {
            timeout = d;
        }

        int rank() {
            return rank;
        }

        int size() {
            return size;
        }

        String describe() {
            return version + " via " + mpi.library + " (" + mpi.abi.name() + " handles), rank " + rank + " of " + size;
        }

        /** A body run on the MPI thread: it starts a non-blocking call into {@code request}. */
        @FunctionalInterface
        interface Call {
            void start(MemorySegment request) throws Throwable;
        }

        /** Runs {@code body} on the MPI thread and waits for it. */
        private void onMpiThread(String what, ThrowingRunnable body) {
            if (broken != null) {
                throw new KilnException(what + ": the process group is broken since " + broken);
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            tasks.add(() -> {
                try {
                    body.run();
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
            try {
                done.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof KilnException k ? new KilnException(k.getMessage())
                        : new KilnException(what + " failed: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KilnException(what + ": interrupted");
            }
        }

        @FunctionalInterface
        interface ThrowingRunnable {
            void run() throws Throwable;
        }

        /** Starts a call and polls it (on the MPI thread) until it completes or the timeout passes. */
        /** The MPI thread's request handle and completion flag, allocated once. */
        private final MemorySegment request = Arena.ofAuto().allocate(16, 8);
        private final MemorySegment flag = request.asSlice(8, 4);

        private void complete(String what, Call call) throws Throwable {
            {
                call.start(request);
                long deadline = System.nanoTime() + timeout.toNanos();
                // MPI_Test drives MPI's progress; between tests the thread yields, so the other ranks' threads
                // (and this process's other threads) get the cores when there are fewer cores than ranks
                for (int polls = 0; !mpi.test(request, flag); polls++) {
                    if (polls > 64) {
                        Thread.yield();
                    }
                    if ((polls & 1023) == 1023) {
                        if (System.nanoTime() > deadline) {
                            broken = what + " on rank " + rank + " of " + size + " did not complete within " + timeout.toSeconds() + " s";
                            throw new KilnException(broken + ": some rank did not make this call (every rank must make the same"
                                    + " collective calls in the same order), or a rank is stuck or gone");
                        }
                    }
                }
            }
        }

        private long type(DType t) {
            return switch (t) {
                case FLOAT32 -> mpi.abi.float32();
                case FLOAT64 -> mpi.abi.float64();
                case INT64 -> mpi.abi.int64();
                default -> throw new KilnException("collectives take float32, float64 or int64 tensors, not " + t);
            };
        }

        void allReduce(MemorySegment buf, long count, DType t, Collective.Kind kind, String what) {
            long op = kind == Collective.Kind.MAX ? mpi.abi.max() : mpi.abi.sum();
            long type = type(t);
            onMpiThread(what, () -> {
                for (long at = 0; at < count; at += CHUNK) {
                    int n = (int) Math.min(CHUNK, count - at);
                    MemorySegment part = buf.asSlice(at * bytes(t));
                    complete(what, req -> mpi.iallreduce(mpi.abi.inPlace(), part, n, type, op, req));
                }
            });
            if (kind == Collective.Kind.MEAN) {
                for (long i = 0; i < count; i++) {
                    if (t == DType.FLOAT32) {
                        buf.setAtIndex(ValueLayout.JAVA_FLOAT, i, buf.getAtIndex(ValueLayout.JAVA_FLOAT, i) / size);
                    } else {
                        buf.setAtIndex(ValueLayout.JAVA_DOUBLE, i, buf.getAtIndex(ValueLayout.JAVA_DOUBLE, i) / size);
                    }
                }
            }
        }

        void broadcast(MemorySegment buf, long count, DType t, int root, String what) {
            long type = type(t);
            onMpiThread(what, () -> {
                for (long at = 0; at < count; at += CHUNK) {
                    int n = (int) Math.min(CHUNK, count - at);
                    MemorySegment part = buf.asSlice(at * bytes(t));
                    complete(what, req -> mpi.ibcast(part, n, type, root, req));
                }
            });
        }

        void allGather(MemorySegment send, long count, DType t, MemorySegment recv, String what) {
            long type = type(t);
            long b = bytes(t);
            onMpiThread(what, () -> {
                if (count <= CHUNK) {
                    complete(what, req -> mpi.iallgather(send, (int) count, type, recv, req));
                    return;
                }
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment tmp = a.allocate(CHUNK * b * size, 64);
                    for (long at = 0; at < count; at += CHUNK) {
                        int n = (int) Math.min(CHUNK, count - at);
                        MemorySegment part = send.asSlice(at * b);
                        complete(what, req -> mpi.iallgather(part, n, type, tmp, req));
                        for (int r = 0; r < size; r++) {
                            MemorySegment.copy(tmp, (long) r * n * b, recv, (r * count + at) * b, n * b);
                        }
                    }
                }
            });
        }

        void barrier(String what) {
            onMpiThread(what, () -> complete(what, mpi::ibarrier));
        }

        private void finish() {
            if (broken != null) {
                return; // a pending collective would make MPI_Finalize wait forever
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            tasks.add(() -> {
                try {
                    mpi.finish();
                } catch (Throwable t) {
                    // nothing to report at exit
                }
                done.complete(null);
            });
            try {
                done.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // exiting anyway
            }
        }
    }
}
