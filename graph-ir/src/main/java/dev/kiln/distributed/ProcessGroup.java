package dev.kiln.distributed;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Collective;
import dev.kiln.ir.Communicator;
import dev.kiln.spi.Layout;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The processes of a data-parallel job (PyTorch's {@code torch.distributed} process group, on MPI).
 * {@link #world()} is initialized from the MPI launcher's environment ({@code mpirun -np N java ...});
 * a process started without one is a group of one, where every collective is the identity, so the
 * same program runs alone. MPI is Open MPI or MPICH, loaded through FFM from the system (no native
 * code of Kiln's; the JVM needs {@code --enable-native-access} for Kiln's module or the class path).
 *
 * <p>Collectives work on float32, float64 and int64 tensors; every rank must make the same calls in
 * the same order on tensors of the same shape. Each call first compares the calls and shapes of all
 * ranks (a small all-gather) and fails naming both sides when they differ; a call some rank never
 * makes fails after the {@linkplain #timeout timeout} naming the rank and the call. Any Java thread
 * (virtual ones too) may call: MPI itself is called from one platform thread of Kiln's.
 *
 * <p>Float sums and means are deterministic by default: every rank gathers all ranks' values and adds
 * them in rank order, so all ranks hold the same bits whatever MPI's algorithm (MPI promises no such
 * thing for its own reductions). {@code -Dkiln.distributed.mpiReductions=true} uses MPI's.
 */
public final class ProcessGroup {
    private static volatile ProcessGroup world;

    private final Transport transport;
    private final Communicator communicator;
    /** Native buffers, grown as needed and freed by the GC (closing a shared arena costs a handshake with every thread). */
    private MemorySegment staging = MemorySegment.NULL;
    private MemorySegment checkMine = MemorySegment.NULL;
    private MemorySegment checkAll = MemorySegment.NULL;

    private ProcessGroup(Transport transport) {
        this.transport = transport;
        this.communicator = new Communicator() {
            @Override
            public String name() {
                return "world(" + size() + ")";
            }

            @Override
            public int size() {
                return transport.size();
            }

            @Override
            public TensorData allReduce(TensorData in, Collective.Kind kind) {
                return reduce(in, kind, "allReduce(" + kind.name() + ")");
            }
        };
    }

    /** Whether this process was started by an MPI launcher (its environment says so). */
    public static boolean launchedByMpi() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") != null || System.getenv("PMI_SIZE") != null
                || System.getenv("PMIX_RANK") != null;
    }

    /** The group of all processes of this job: initialized on first use (MPI, or a group of one). */
    public static ProcessGroup world() {
        ProcessGroup w = world;
        if (w == null) {
            synchronized (ProcessGroup.class) {
                w = world;
                if (w == null) {
                    Duration timeout = Duration.ofMillis((long) (Double.parseDouble(System.getProperty("kiln.distributed.timeout", "300")) * 1000));
                    boolean deterministic = !Boolean.getBoolean("kiln.distributed.mpiReductions");
                    world = w = new ProcessGroup(launchedByMpi() ? new Transport.OverMpi(timeout, deterministic) : new Transport.Alone());
                }
            }
        }
        return w;
    }

    public int rank() {
        return transport.rank();
    }

    public int size() {
        return transport.size();
    }

    /** What carries the group: the MPI library and version, or a single process. */
    public String backend() {
        return transport.describe();
    }

    /** How long a collective may wait for the other ranks before it fails (default 300 s, or {@code -Dkiln.distributed.timeout=seconds}). */
    public ProcessGroup timeout(Duration d) {
        if (transport instanceof Transport.OverMpi m) {
            m.timeout(d);
        }
        return this;
    }

    /** The IR's view of this group (collective nodes in compiled steps carry it). */
    Communicator communicator() {
        return communicator;
    }

    // ---------------------------------------------------------------- collectives on tensors

    /**
     * Every rank's {@code t} replaced, in place, by the elementwise sum, mean or max of all ranks'
     * (PyTorch's {@code dist.all_reduce}); no gradient flows through it. See {@link #allReduced}.
     */
    public void allReduce(Tensor t, ReduceOp op) {
        Tensor r;
        try (var noGrad = dev.kiln.Kiln.noGrad()) {
            r = allReduced(t.detach(), op);
            Tracing.assign(t, r);
        }
    }

    /**
     * The elementwise sum, mean or max of all ranks' {@code t}, as a new tensor; differentiable (the
     * gradient of a sum over ranks is the sum of the ranks' gradients) and traced into compiled steps,
     * where it runs as a step of the plan.
     */
    public Tensor allReduced(Tensor t, ReduceOp op) {
        return Tracing.compute(new Collective.AllReduce(communicator, Collective.Kind.valueOf(op.name())), t);
    }

    /** Every rank's {@code t} replaced, in place, by rank {@code root}'s (PyTorch's {@code dist.broadcast}). */
    public void broadcast(Tensor t, int root) {
        checkRoot(root);
        TensorData d = eager(t, "broadcast");
        synchronized (this) {
            check(Call.BROADCAST, d, root);
            MemorySegment buf = stage(d);
            transport.broadcast(buf, d.shape().numelLong(), d.dtype(), root, "broadcast of " + describe(d) + " from rank " + root);
            TensorData out = unstage(buf, d.shape(), d.dtype());
            try (var noGrad = dev.kiln.Kiln.noGrad()) {
                Tracing.assign(t, Tensor.wrap(out));
            }
        }
    }

    /** All ranks' {@code t} stacked along a new first dimension, in rank order (PyTorch's {@code dist.all_gather}). */
    public Tensor allGather(Tensor t) {
        TensorData d = eager(t, "allGather");
        synchronized (this) {
            check(Call.ALL_GATHER, d, 0);
            long n = d.shape().numelLong();
            MemorySegment buf = stage(d);
            {
                MemorySegment all = Arena.ofAuto().allocate(Math.max(1, n * Transport.bytes(d.dtype()) * size()), 64);
                transport.allGather(buf, n, d.dtype(), all, "allGather of " + describe(d));
                int[] dims = new int[d.shape().rank() + 1];
                dims[0] = size();
                System.arraycopy(d.shape().toArray(), 0, dims, 1, d.shape().rank());
                return Tensor.wrap(unstage(all, Shape.of(dims), d.dtype()));
            }
        }
    }

    /** Returns when every rank has called it. */
    public void barrier() {
        synchronized (this) {
            transport.barrier("barrier");
        }
    }

    // ---------------------------------------------------------------- internals

    private enum Call { ALL_REDUCE, BROADCAST, ALL_GATHER }

    private static TensorData eager(Tensor t, String what) {
        if (Tracing.tracing(List.of(t))) {
            throw new KilnException(what + " runs eagerly, not inside a compiled step (allReduced does)");
        }
        return t.data();
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= size()) {
            throw new KilnException("broadcast: root " + root + " is not a rank of this group of " + size());
        }
    }

    /** The functional all-reduce, for the IR's collective op (eager and in compiled plans). */
    private synchronized TensorData reduce(TensorData in, Collective.Kind kind, String what) {
        if (size() == 1) {
            stage(in); // the same checks of the dtype
            TensorData copy = TensorData.allocate(in.shape(), in.dtype());
            copy.copyFrom(in);
            return copy;
        }
        check(Call.ALL_REDUCE, in, kind.ordinal());
        MemorySegment buf = stage(in);
        transport.allReduce(buf, in.shape().numelLong(), in.dtype(), kind, what + " of " + describe(in));
        return unstage(buf, in.shape(), in.dtype());
    }

    private static String describe(TensorData d) {
        return d.dtype() + "" + d.shape();
    }

    /**
     * All ranks' call, dtype and shape compared (one all-gather of 12 longs): a mismatch fails on
     * every rank with both sides named, before any data moves.
     */
    private void check(Call call, TensorData d, int extra) {
        if (size() == 1) {
            return;
        }
        int words = 12;
        Shape s = d.shape();
        if (s.rank() > 8) {
            throw new KilnException("collectives take tensors of rank <= 8, got " + s);
        }
        if (checkMine.byteSize() == 0) {
            checkMine = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG, words);
            checkAll = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG, (long) words * size());
        }
        {
            MemorySegment mine = checkMine.fill((byte) 0);
            mine.setAtIndex(ValueLayout.JAVA_LONG, 0, call.ordinal());
            mine.setAtIndex(ValueLayout.JAVA_LONG, 1, extra);
            mine.setAtIndex(ValueLayout.JAVA_LONG, 2, d.dtype().ordinal());
            mine.setAtIndex(ValueLayout.JAVA_LONG, 3, s.rank());
            for (int i = 0; i < s.rank(); i++) {
                mine.setAtIndex(ValueLayout.JAVA_LONG, 4 + i, s.dim(i));
            }
            MemorySegment all = checkAll;
            transport.allGather(mine, words, DType.INT64, all, text(mine.toArray(ValueLayout.JAVA_LONG)) + " (its check of the ranks' calls)");
            long[] own = mine.toArray(ValueLayout.JAVA_LONG);
            for (int r = 0; r < size(); r++) {
                long[] theirs = all.asSlice((long) r * words * 8, words * 8L).toArray(ValueLayout.JAVA_LONG);
                if (!Arrays.equals(own, theirs)) {
                    throw new KilnException("collective mismatch: rank " + rank() + " called " + text(own) + ", rank " + r + " called "
                            + text(theirs) + " (every rank must make the same calls, in the same order, on tensors of one shape)");
                }
            }
        }
    }

    private static String text(long[] w) {
        Call c = Call.values()[(int) w[0]];
        StringBuilder sb = new StringBuilder(switch (c) {
            case ALL_REDUCE -> "allReduce(" + Collective.Kind.values()[(int) w[1]] + ")";
            case BROADCAST -> "broadcast(root " + w[1] + ")";
            case ALL_GATHER -> "allGather";
        });
        sb.append(" on ").append(DType.values()[(int) w[2]]).append('[');
        for (int i = 0; i < w[3]; i++) {
            sb.append(i == 0 ? "" : ", ").append(w[4 + i]);
        }
        return sb.append(']').toString();
    }

    /** {@code d}'s elements, row-major, in the native staging buffer (grown as needed). */
    private MemorySegment stage(TensorData d) {
        DType t = d.dtype();
        if (t != DType.FLOAT32 && t != DType.FLOAT64 && t != DType.INT64) {
            throw new KilnException("collectives take float32, float64 or int64 tensors, not " + t);
        }
        long n = d.shape().numelLong();
        long bytes = Math.max(8, n * Transport.bytes(t));
        if (staging.byteSize() < bytes) {
            staging = Arena.ofAuto().allocate(Math.max(bytes, staging.byteSize() * 2), 64);
        }
        TensorData dense = d;
        if (!(d.layout().isContiguous() && d.layout().offset() == 0 && d.storage().size() == n)) {
            dense = TensorData.allocate(d.shape(), t);
            dense.copyFrom(d);
        }
        Object array = dense.storage().array();
        switch (t) {
            case FLOAT32 -> MemorySegment.copy(MemorySegment.ofArray((float[]) array), 0, staging, 0, n * 4);
            case FLOAT64 -> MemorySegment.copy(MemorySegment.ofArray((double[]) array), 0, staging, 0, n * 8);
            default -> MemorySegment.copy(MemorySegment.ofArray((long[]) array), 0, staging, 0, n * 8);
        }
        return staging.asSlice(0, bytes);
    }

    private static TensorData unstage(MemorySegment buf, Shape shape, DType t) {
        int n = shape.numel();
        Storage s = switch (t) {
            case FLOAT32 -> new Storage.F32(buf.asSlice(0, n * 4L).toArray(ValueLayout.JAVA_FLOAT));
            case FLOAT64 -> new Storage.F64(buf.asSlice(0, n * 8L).toArray(ValueLayout.JAVA_DOUBLE));
            default -> new Storage.I64(buf.asSlice(0, n * 8L).toArray(ValueLayout.JAVA_LONG));
        };
        return new TensorData(s, Layout.contiguous(shape));
    }
}
