package dev.kiln.distributed;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Collective;
import dev.kiln.ir.Communicator;
import dev.kiln.spi.DeviceCollectives;
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
 * makes fails after the {@linkplain #timeout timeout} naming the rank and the call. A rank that
 * leaves (its main returns or throws, {@code System.exit}, SIGTERM) tells the others as its JVM shuts
 * down: a rank waiting for it in a collective fails at once naming it, its pid, host and why, and
 * every rank then finalizes MPI and exits with its own status. Any Java thread (virtual ones too) may
 * call: MPI itself is called from one platform thread of Kiln's.
 *
 * <p>Float sums and means are deterministic by default: every rank gathers all ranks' values and adds
 * them in rank order, so all ranks hold the same bits whatever MPI's algorithm (MPI promises no such
 * thing for its own reductions). {@code -Dkiln.distributed.mpiReductions=true} uses MPI's.
 *
 * <p>Tensors on a device whose backend provides {@link DeviceCollectives} (CUDA: NCCL, in
 * {@code dev.kiln.cuda}) are reduced, broadcast and gathered there: the first collective on a device
 * opens its group (rank 0 makes the id, MPI carries it to the others), and later ones run on the
 * device's stream without a copy to the host. NCCL does not add in rank order (its rings and trees
 * choose the order), so deterministic float sums and means of device tensors across several ranks
 * still go through the host as above; {@code mpiReductions=true} hands them to NCCL too. A group of
 * one, MAX and int64 always use NCCL (their results are exact). Devices without such collectives
 * are staged through the host.
 */
public final class ProcessGroup {
    private static volatile ProcessGroup world;

    private final Transport transport;
    /** Collectives on device tensors (NCCL for CUDA), one group per device opened by its first collective. */
    private final DeviceGroups deviceGroups;
    private final Communicator communicator;
    /** Native buffers, grown as needed and freed by the GC (closing a shared arena costs a handshake with every thread). */
    private MemorySegment staging = MemorySegment.NULL;
    private MemorySegment checkMine = MemorySegment.NULL;
    private MemorySegment checkAll = MemorySegment.NULL;

    private final boolean deterministic;
    /** The deterministic sum's buffers: all ranks' blocks (native), and one block on the heap. */
    private MemorySegment gathered = MemorySegment.NULL;
    private Object block;

    private ProcessGroup(Transport transport, boolean deterministic) {
        this.transport = transport;
        this.deviceGroups = new DeviceGroups(transport);
        this.deterministic = deterministic;
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

    /**
     * Whether this process was started by an MPI launcher (its environment says so).
     *
     * @return true if Open MPI's, PMI's or PMIx's environment variables are set
     */
    public static boolean launchedByMpi() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") != null || System.getenv("PMI_SIZE") != null
                || System.getenv("PMIX_RANK") != null;
    }

    /**
     * The group of all processes of this job: initialized on first use (MPI, or a group of one).
     *
     * @return the world group, the same object on every call
     */
    public static ProcessGroup world() {
        ProcessGroup w = world;
        if (w == null) {
            synchronized (ProcessGroup.class) {
                w = world;
                if (w == null) {
                    Duration timeout = Duration.ofMillis((long) (Double.parseDouble(System.getProperty("kiln.distributed.timeout", "300")) * 1000));
                    boolean deterministic = !Boolean.getBoolean("kiln.distributed.mpiReductions");
                    world = w = new ProcessGroup(launchedByMpi() ? new MpiTransport(timeout) : new Transport.Alone(), deterministic);
                }
            }
        }
        return w;
    }

    /**
     * This process's rank, as {@code dist.get_rank()}.
     *
     * @return the rank, in {@code [0, size())}
     */
    public int rank() {
        return transport.rank();
    }

    /**
     * The number of processes, as {@code dist.get_world_size()}.
     *
     * @return the group's size (1 for a process started without an MPI launcher)
     */
    public int size() {
        return transport.size();
    }

    /**
     * What carries the group: the MPI library and version, or a single process, and the device
     * collectives (such as {@code "... + nccl 2.21.5 on cuda:0"} once a CUDA tensor has been reduced).
     *
     * @return a human-readable description
     */
    public synchronized String backend() {
        return transport.describe() + deviceGroups.describe();
    }

    /**
     * How long a collective may wait for the other ranks before it fails (default 300 s, or
     * {@code -Dkiln.distributed.timeout=seconds}); a group of one never waits.
     *
     * @param d the timeout
     * @return this group
     */
    public ProcessGroup timeout(Duration d) {
        if (transport instanceof MpiTransport m) {
            m.timeout(d);
        }
        return this;
    }

    // ---------------------------------------------------------------- collectives on tensors

    /**
     * Every rank's {@code t} replaced, in place, by the elementwise sum, mean or max of all ranks'
     * (PyTorch's {@code dist.all_reduce}); no gradient flows through it. See {@link #allReduced}.
     *
     * @param t the tensor to reduce in place; the same shape and dtype on every rank
     * @param op how to combine the ranks' values
     * @throws KilnException if the dtype is not float32, float64 or int64, the ranks' calls or shapes differ, or a rank
     *     does not join before the timeout
     */
    public void allReduce(Tensor t, ReduceOp op) {
        if (!Tracing.tracing(List.of(t)) && Tensors.data(t).onHost() && dense(Tensors.data(t))) {
            TensorData d = Tensors.data(t);
            synchronized (this) {
                reduceInto(d, Collective.Kind.valueOf(op.name()), d.storage().array(), "allReduce(" + op + ")");
            }
            d.storage().bumpVersion();
            return;
        }
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
     *
     * @param t the tensor to reduce; the same shape and dtype on every rank
     * @param op how to combine the ranks' values
     * @return a new tensor of {@code t}'s shape and dtype
     * @throws KilnException if the dtype is not float32, float64 or int64, the ranks' calls or shapes differ, or a rank
     *     does not join before the timeout
     */
    public Tensor allReduced(Tensor t, ReduceOp op) {
        return Tracing.compute(new Collective.AllReduce(communicator, Collective.Kind.valueOf(op.name())), t);
    }

    /**
     * Every rank's {@code t} replaced, in place, by rank {@code root}'s (PyTorch's {@code dist.broadcast}).
     * Runs eagerly only.
     *
     * @param t the tensor to overwrite (sent, on {@code root}); the same shape and dtype on every rank
     * @param root the rank whose values every rank takes
     * @throws KilnException if {@code root} is not a rank of the group, it is called inside a compiled step, the
     *     dtype is not float32, float64 or int64, the ranks' calls or shapes differ, or a rank does not join
     *     before the timeout
     */
    public void broadcast(Tensor t, int root) {
        checkRoot(root);
        TensorData d = eager(t, "broadcast");
        synchronized (this) {
            check(Call.BROADCAST, d, root, "broadcast of " + describe(d));
            DeviceCollectives.Group g = deviceGroups.of(d);
            TensorData out;
            if (g != null) {
                out = g.broadcast(d, root);
            } else {
                TensorData h = DeviceGroups.toHost(d);
                MemorySegment buf = stage(h);
                transport.broadcast(buf, h.shape().numelLong(), h.dtype(), root, "broadcast of " + describe(h) + " from rank " + root);
                out = DeviceGroups.toDevice(unstage(buf, h.shape(), h.dtype()), d.device());
            }
            try (var noGrad = dev.kiln.Kiln.noGrad()) {
                Tracing.assign(t, Tensors.wrap(out));
            }
        }
    }

    /**
     * All ranks' {@code t} stacked along a new first dimension, in rank order (PyTorch's {@code dist.all_gather}).
     * Runs eagerly only.
     *
     * @param t this rank's tensor; the same shape and dtype on every rank
     * @return a new tensor of shape {@code [size(), ...t's shape]}
     * @throws KilnException if it is called inside a compiled step, the dtype is not float32, float64 or int64,
     *     the ranks' calls or shapes differ, or a rank does not join before the timeout
     */
    public Tensor allGather(Tensor t) {
        TensorData d = eager(t, "allGather");
        synchronized (this) {
            check(Call.ALL_GATHER, d, 0, "allGather of " + describe(d));
            DeviceCollectives.Group g = deviceGroups.of(d);
            if (g != null) {
                return Tensors.wrap(g.allGather(d));
            }
            TensorData h = DeviceGroups.toHost(d);
            long n = h.shape().numelLong();
            MemorySegment buf = stage(h);
            MemorySegment all = Arena.ofAuto().allocate(Math.max(1, n * Transport.bytes(h.dtype()) * size()), 64);
            transport.allGather(buf, n, h.dtype(), all, "allGather of " + describe(h));
            int[] dims = new int[h.shape().rank() + 1];
            dims[0] = size();
            System.arraycopy(h.shape().toArray(), 0, dims, 1, h.shape().rank());
            return Tensors.wrap(DeviceGroups.toDevice(unstage(all, Shape.of(dims), h.dtype()), d.device()));
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
        return Tensors.data(t);
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= size()) {
            throw new KilnException("broadcast: root " + root + " is not a rank of this group of " + size());
        }
    }

    /** The functional all-reduce, for the IR's collective op (eager and in compiled plans). */
    private synchronized TensorData reduce(TensorData in, Collective.Kind kind, String what) {
        checkType(in.dtype());
        if (!in.onHost()) {
            // NCCL's sums are not in rank order: a deterministic float sum across ranks goes through the host
            boolean rankOrder = deterministic && size() > 1 && in.dtype().isFloating() && kind != Collective.Kind.MAX;
            DeviceCollectives.Group g = rankOrder ? null : deviceGroups.of(in);
            if (g == null) {
                return DeviceGroups.toDevice(reduce(DeviceGroups.toHost(in), kind, what), in.device());
            }
            check(Call.ALL_REDUCE, in, kind.ordinal(), what + " of " + describe(in));
            return g.allReduce(in, kind);
        }
        int n = in.shape().numel();
        Object out = switch (in.dtype()) {
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            default -> new long[n];
        };
        reduceInto(in, kind, out, what);
        Storage s = switch (in.dtype()) {
            case FLOAT32 -> new Storage.F32((float[]) out);
            case FLOAT64 -> new Storage.F64((double[]) out);
            default -> new Storage.I64((long[]) out);
        };
        return new TensorData(s, Layout.contiguous(in.shape()));
    }

    private static boolean dense(TensorData d) {
        DType t = d.dtype();
        return (t == DType.FLOAT32 || t == DType.FLOAT64 || t == DType.INT64) && d.layout().isContiguous() && d.layout().offset() == 0
                && d.storage().size() == d.shape().numel();
    }

    private static void checkType(DType t) {
        if (t != DType.FLOAT32 && t != DType.FLOAT64 && t != DType.INT64) {
            throw new KilnException("collectives take float32, float64 or int64 tensors, not " + t);
        }
    }

    /** The all-reduce of {@code in} into the array {@code out} (which may be {@code in}'s own). */
    private void reduceInto(TensorData in, Collective.Kind kind, Object out, String what) {
        DType t = in.dtype();
        checkType(t);
        int n = in.shape().numel();
        what = what + " of " + describe(in);
        if (size() == 1) {
            TensorData dense = dense(in) ? in : denseCopy(in);
            if (dense.storage().array() != out) {
                System.arraycopy(dense.storage().array(), 0, out, 0, n);
            }
            return;
        }
        if (deterministic && t.isFloating() && kind != Collective.Kind.MAX) {
            gatherAndSum(in, kind, out, what);
            return;
        }
        check(Call.ALL_REDUCE, in, kind.ordinal(), what);
        MemorySegment buf = stage(in);
        transport.allReduce(buf, n, t, kind, what);
        switch (t) {
            case FLOAT32 -> MemorySegment.copy(buf, ValueLayout.JAVA_FLOAT, 0, (float[]) out, 0, n);
            case FLOAT64 -> MemorySegment.copy(buf, ValueLayout.JAVA_DOUBLE, 0, (double[]) out, 0, n);
            default -> MemorySegment.copy(buf, ValueLayout.JAVA_LONG, 0, (long[]) out, 0, n);
        }
    }

    private static TensorData denseCopy(TensorData d) {
        TensorData dense = TensorData.allocate(d.shape(), d.dtype());
        dense.copyFrom(d);
        return dense;
    }

    /**
     * A float sum (or mean) that is the same on every rank: after the check of the ranks' calls (their
     * sizes may differ, so it comes first), every rank gathers all ranks' values and adds them in rank
     * order, in the tensor's precision.
     */
    private void gatherAndSum(TensorData in, Collective.Kind kind, Object out, String what) {
        DType t = in.dtype();
        int n = in.shape().numel();
        check(Call.ALL_REDUCE, in, kind.ordinal(), what);
        long blockBytes = (n * Transport.bytes(t) + 7) & ~7L;
        if (gathered.byteSize() < blockBytes * size()) {
            gathered = Arena.ofAuto().allocate(Math.max(8, blockBytes * size()), 64);
        }
        boolean f32 = t == DType.FLOAT32;
        stage(in);
        transport.allGather(staging, blockBytes / 8, DType.INT64, gathered, what);
        long head = 0;
        if (!(f32 ? block instanceof float[] fb && fb.length >= n : block instanceof double[] db && db.length >= n)) {
            block = f32 ? new float[n] : new double[n];
        }
        if (f32) {
            float[] acc = (float[]) out;
            float[] b = (float[]) block;
            MemorySegment.copy(gathered, ValueLayout.JAVA_FLOAT, head, acc, 0, n);
            for (int r = 1; r < size(); r++) {
                MemorySegment.copy(gathered, ValueLayout.JAVA_FLOAT, r * blockBytes + head, b, 0, n);
                for (int i = 0; i < n; i++) {
                    acc[i] += b[i];
                }
            }
            if (kind == Collective.Kind.MEAN) {
                float size = size();
                for (int i = 0; i < n; i++) {
                    acc[i] /= size;
                }
            }
        } else {
            double[] acc = (double[]) out;
            double[] b = (double[]) block;
            MemorySegment.copy(gathered, ValueLayout.JAVA_DOUBLE, head, acc, 0, n);
            for (int r = 1; r < size(); r++) {
                MemorySegment.copy(gathered, ValueLayout.JAVA_DOUBLE, r * blockBytes + head, b, 0, n);
                for (int i = 0; i < n; i++) {
                    acc[i] += b[i];
                }
            }
            if (kind == Collective.Kind.MEAN) {
                double size = size();
                for (int i = 0; i < n; i++) {
                    acc[i] /= size;
                }
            }
        }
    }

    private static String describe(TensorData d) {
        return d.dtype() + "" + d.shape();
    }

    /**
     * All ranks' call, dtype and shape compared (one all-gather of 12 longs): a mismatch fails on
     * every rank with both sides named, before any data moves.
     */
    private static final int HEADER_WORDS = 12;

    /** A call's signature: call, its argument (reduce kind or root), dtype, rank and sizes. */
    private static long[] header(Call call, TensorData d, int extra) {
        Shape s = d.shape();
        if (s.rank() > HEADER_WORDS - 4) {
            throw new KilnException("collectives take tensors of rank <= " + (HEADER_WORDS - 4) + ", got " + s);
        }
        long[] h = new long[HEADER_WORDS];
        h[0] = call.ordinal();
        h[1] = extra;
        h[2] = d.dtype().ordinal();
        h[3] = s.rank();
        for (int i = 0; i < s.rank(); i++) {
            h[4 + i] = s.dim(i);
        }
        return h;
    }

    private void mismatch(long[] mine, long[] theirs, int r) {
        if (!Arrays.equals(mine, theirs)) {
            throw new KilnException("collective mismatch: rank " + rank() + " called " + text(mine) + ", rank " + r + " called "
                    + text(theirs) + " (every rank must make the same calls, in the same order, on tensors of one shape)");
        }
    }

    /**
     * All ranks' call, dtype and shape compared (one all-gather of 12 longs): a mismatch fails on
     * every rank with both sides named, before any data moves.
     */
    private void check(Call call, TensorData d, int extra, String what) {
        if (size() == 1) {
            return;
        }
        if (checkMine.byteSize() == 0) {
            checkMine = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG, HEADER_WORDS);
            checkAll = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG, (long) HEADER_WORDS * size());
        }
        long[] own = header(call, d, extra);
        MemorySegment.copy(own, 0, checkMine, ValueLayout.JAVA_LONG, 0, HEADER_WORDS);
        transport.allGather(checkMine, HEADER_WORDS, DType.INT64, checkAll, what + " (its check of the ranks' calls)");
        for (int r = 0; r < size(); r++) {
            long[] theirs = checkAll.asSlice((long) r * HEADER_WORDS * 8, HEADER_WORDS * 8L).toArray(ValueLayout.JAVA_LONG);
            mismatch(own, theirs, r);
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
        long bytes = Math.max(8, (n * Transport.bytes(t) + 7) & ~7L); // whole 8-byte words: the float sum gathers longs
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
