package dev.kiln.distributed;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.ir.Collective;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * MPI, called from one platform thread of its own ({@code MPI_THREAD_FUNNELED}): any thread may
 * call a collective; it runs there, as a non-blocking MPI call polled with {@code MPI_Test} until
 * done or until the timeout, which then fails the call with the rank and the call's name and
 * leaves the group broken (a collective cannot be cancelled).
 *
 * <p>A rank that leaves says so. MPI has no word for it: {@code MPI_Finalize} waits for every rank,
 * and a rank that exits without it makes {@code mpirun} kill the job. So a rank's shutdown hook (main
 * returned or threw, {@code System.exit}, SIGTERM) first sends every other rank a notice, point to
 * point on a tag of Kiln's: who it is, why it leaves, and how many collectives it completed. Then it
 * calls {@code MPI_Finalize}, which returns once every rank has called it, and the JVM exits with its
 * own status. A rank waiting in a collective that the leaver did not complete fails at once, naming
 * it; one the leaver completed is still waited for (MPI orders nothing between the notice and the
 * collective's data). A rank killed outright (kill -9, a crash) sends nothing: {@code mpirun} ends
 * the job.
 */
final class MpiTransport extends Transport {
    /**
     * How long the MPI thread spins for the next call before it parks. Short: with fewer cores than
     * ranks, spinning threads take the cores the other ranks' threads need (measured: 50 µs of
     * spinning on both sides of the hand-off made an 8-byte all-reduce 2.5x slower on 2 cores).
     */
    private static final long SPIN_NANOS = 2_000;
    /** The point-to-point tag of leave notices (collectives' traffic never matches user tags). */
    private static final int NOTICE_TAG = 0x4b4c;
    /** A notice: sender's rank, its completed collectives, the text's length, then UTF-8 text (1 KiB in all: MPI sends it eagerly). */
    private static final int NOTICE_WORDS = 128;
    private static final int NOTICE_TEXT = NOTICE_WORDS * 8 - 24;

    /** What a rank that left said: its text, and how many collectives it had completed. */
    private record Notice(long completed, String text) {
    }

    private final Mpi mpi;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private volatile Duration timeout;
    private volatile String broken;
    /** Broken by a timeout: some rank is stuck, so this one exits without MPI_Finalize and mpirun ends the job. */
    private volatile boolean timedOut;
    /** Why this process is leaving, once its shutdown hook has run. */
    private volatile String leaving;
    private int rank;
    private int size;
    private String version;
    private String host;

    // the MPI thread's own state
    /** The request handle and completion flag of the running collective. */
    private final MemorySegment request = Arena.ofAuto().allocate(16, 8);
    private final MemorySegment flag = request.asSlice(8, 4);
    /** The receive of the next leave notice, always posted while some other rank may still send one. */
    private final MemorySegment noticeIn = Arena.ofAuto().allocate(NOTICE_WORDS * 8L, 8);
    private final MemorySegment noticeRequest = Arena.ofAuto().allocate(16, 8);
    private final MemorySegment noticeFlag = noticeRequest.asSlice(8, 4);
    private boolean noticePosted;
    private final Map<Integer, Notice> departed = new HashMap<>();
    /** Collectives completed so far: all ranks make the same calls, so this numbers them alike everywhere. */
    private long completed;

    MpiTransport(Duration timeout) {
        this.mpi = Mpi.load();
        this.timeout = timeout;
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("kiln-mpi").daemon(true).unstarted(() -> serve(started));
        thread.start();
        try {
            started.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new KilnException("MPI did not start: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted while MPI started", e);
        }
        ExitReason.watch();
        Runtime.getRuntime().addShutdownHook(new Thread(this::leave, "kiln-mpi-leave"));
    }

    private void serve(CompletableFuture<Void> started) {
        try {
            if (!mpi.initialized()) {
                mpi.init();
            }
            rank = mpi.rank();
            size = mpi.size();
            version = mpi.version();
            host = mpi.processorName();
            postNoticeReceive();
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

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Throwable;
    }

    /** Runs {@code body} on the MPI thread and waits for it. */
    private void onMpiThread(String what, ThrowingRunnable body) {
        if (broken != null) {
            throw new KilnException(what + ": the process group is broken since " + broken);
        }
        if (leaving != null) {
            throw new KilnException(what + ": this process is leaving the group (" + leaving + ")");
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
            throw e.getCause() instanceof KilnException k ? new KilnException(k.getMessage(), k)
                    : new KilnException(what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException(what + ": interrupted", e);
        }
    }

    /** Starts a call and polls it (on the MPI thread) until it completes, a rank leaves without it, or the timeout passes. */
    private void complete(String what, Call call) throws Throwable {
        long index = completed + 1;
        failIfLeaving(what);
        failIfDeparted(what, index);
        call.start(request);
        long deadline = System.nanoTime() + timeout.toNanos();
        // MPI_Test drives MPI's progress; between tests the thread yields, so the other ranks' threads
        // (and this process's other threads) get the cores when there are fewer cores than ranks
        for (int polls = 0; !mpi.test(request, flag); polls++) {
            if (polls > 64) {
                Thread.yield();
            }
            if ((polls & 255) == 255) {
                failIfLeaving(what);
                failIfDeparted(what, index);
                if (System.nanoTime() > deadline) {
                    timedOut = true;
                    broken = what + " on rank " + rank + " of " + size + " did not complete within " + timeout.toSeconds() + " s";
                    throw new KilnException(broken + ": some rank did not make this call (every rank must make the same"
                            + " collective calls in the same order), or a rank is stuck or gone");
                }
            }
        }
        completed = index;
    }

    private void failIfLeaving(String what) {
        if (leaving != null) {
            broken = what + " was abandoned: this process is leaving the group (" + leaving + ")";
            throw new KilnException(broken);
        }
    }

    /** Fails collective number {@code index} if a rank left before completing it (it never will). */
    private void failIfDeparted(String what, long index) throws Throwable {
        receiveNotices();
        for (Notice n : departed.values()) {
            if (n.completed() < index) {
                broken = n.text();
                throw new KilnException(what + " failed on rank " + rank + " of " + size + ": " + n.text()
                        + " (every rank must make the same collective calls; the group is now broken)");
            }
        }
    }

    private void postNoticeReceive() throws Throwable {
        noticePosted = departed.size() < size - 1;
        if (noticePosted) {
            mpi.irecvAny(noticeIn, NOTICE_WORDS, NOTICE_TAG, noticeRequest);
        }
    }

    /** Takes in the leave notices that have arrived. */
    private void receiveNotices() throws Throwable {
        while (noticePosted && mpi.test(noticeRequest, noticeFlag)) {
            int from = (int) noticeIn.get(ValueLayout.JAVA_LONG, 0);
            long done = noticeIn.get(ValueLayout.JAVA_LONG, 8);
            int length = (int) noticeIn.get(ValueLayout.JAVA_LONG, 16);
            String text = new String(noticeIn.asSlice(24, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            departed.put(from, new Notice(done, text));
            postNoticeReceive();
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

    /**
     * The shutdown hook: a collective in flight is abandoned, the other ranks get this one's notice,
     * and MPI_Finalize waits for them (as MPI's own exit does) unless a timeout broke the group.
     */
    private void leave() {
        leaving = ExitReason.now();
        CompletableFuture<Void> done = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                sendNotices("rank " + rank + " (pid " + ProcessHandle.current().pid() + ", host " + host + ") left the group: " + leaving);
                if (!timedOut) {
                    mpi.finish();
                }
            } catch (Throwable t) {
                // exiting anyway: mpirun reports a rank that exits without MPI_Finalize
            }
            done.complete(null);
        });
        done.join();
    }

    /** Sends {@code text} to every rank that has not left, and withdraws this rank's own receive. */
    private void sendNotices(String text) throws Throwable {
        receiveNotices();
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(utf8.length, NOTICE_TEXT);
        MemorySegment notice = Arena.ofAuto().allocate(NOTICE_WORDS * 8L, 8);
        notice.set(ValueLayout.JAVA_LONG, 0, rank);
        notice.set(ValueLayout.JAVA_LONG, 8, completed);
        notice.set(ValueLayout.JAVA_LONG, 16, length);
        MemorySegment.copy(utf8, 0, notice, ValueLayout.JAVA_BYTE, 24, length);
        MemorySegment requests = Arena.ofAuto().allocate(16L * size, 8);
        for (int r = 0; r < size; r++) {
            if (r != rank && !departed.containsKey(r)) {
                mpi.isend(notice, NOTICE_WORDS, r, NOTICE_TAG, requests.asSlice(16L * r, 8));
            }
        }
        // a notice is sent eagerly (it is below every transport's eager limit): this takes microseconds
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int r = 0; r < size; r++) {
            if (r != rank && !departed.containsKey(r)) {
                while (!mpi.test(requests.asSlice(16L * r, 8), requests.asSlice(16L * r + 8, 4)) && System.nanoTime() < deadline) {
                    Thread.yield();
                }
            }
        }
        if (noticePosted) {
            mpi.cancel(noticeRequest);
            while (!mpi.test(noticeRequest, noticeFlag)) {
                Thread.yield();
            }
            noticePosted = false;
        }
    }
}
