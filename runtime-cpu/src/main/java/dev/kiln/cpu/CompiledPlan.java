package dev.kiln.cpu;

import dev.kiln.spi.Executable;
import dev.kiln.spi.Layout;
import dev.kiln.spi.TensorData;
import dev.kiln.cache.BoundedCache;
import dev.kiln.codegen.jvm.BytecodeCheck;
import dev.kiln.codegen.jvm.CallEmitter;
import dev.kiln.codegen.jvm.PlanCall;
import dev.kiln.codegen.jvm.JvmEmitter;
import dev.kiln.codegen.jvm.KernelTooLargeException;
import dev.kiln.codegen.jvm.KernelFunction;
import dev.kiln.codegen.kernel.FusionPlanner;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.ir.Graph;
import dev.kiln.ir.TensorType;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;

/**
 * A plan whose kernels are JVM bytecode, defined as hidden classes shared by plans with identical
 * kernels (the 512 most recently used are kept; an evicted class is collected once no plan uses it).
 * The compiled steps are shared by every run; each run works in a buffer set of its own, taken
 * from a pool that keeps at most one idle set per processor, so threads may run one plan at once
 * and get the same bits as one thread would. A steady-state run allocates nothing but what
 * interpreted single ops produce.
 */
public final class CompiledPlan implements Executable {
    /** Idle buffer sets kept per plan; runs beyond that many at once allocate their own. */
    static final int POOL = Runtime.getRuntime().availableProcessors();

    private final Plan plan;
    /** Kernel functions and plan steps, shared by every run (replaced whole when short loops switch to vectors). */
    private volatile Object[] steps;

    private final boolean freshOutputs;
    private final int shared;
    /** Per buffer: the buffer whose array it reuses (liveness-based), or -1. */
    private final int[] shareWith;
    /** The plan's input and output buffer numbers, as arrays for the per-run loops. */
    private final int[] inputBuffers;
    private final int[] outputBuffers;
    private final boolean[] isInput;
    /** Per buffer: no output (those go to callers) and sharing its array with no other buffer, so a run may rewrite it. */
    private final boolean[] ownArray;
    /**
     * Idle buffer sets, one slot per processor, each slot on a cache line of its own; a thread
     * looks first at the slot its id picks, so threads seldom touch the same line.
     */
    private final java.util.concurrent.atomic.AtomicReferenceArray<RunState> idle =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(POOL * SLOT_STRIDE);
    private static final int SLOT_STRIDE = 16;
    /** Buffer sets alive (idle or running). */
    private final java.util.concurrent.atomic.AtomicInteger created = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong overflows = new java.util.concurrent.atomic.AtomicLong();

    /** How many buffers reuse another buffer's array (liveness-based reuse). */
    public int sharedBuffers() {
        return shared;
    }

    public CompiledPlan(Graph graph) {
        this(graph, false);
    }

    /** With {@code freshOutputs}, every run writes its outputs into new buffers (eager ops hand them out). */
    CompiledPlan(Graph graph, boolean freshOutputs) {
        this(graph, freshOutputs, FusionPlanner.MAX_BODY);
    }

    /**
     * HotSpot never JIT-compiles a method of more than 8000 bytes of bytecode (DontCompileHugeMethods):
     * a kernel that big would run interpreted, so plans whose kernels come out larger are redone
     * with smaller loops (this also keeps far away from the 64 KB method limit).
     */
    static final int MAX_KERNEL_BYTES = 8000;

    /** Plans and emits; a kernel over the size limits makes it re-plan with smaller loops. */
    private CompiledPlan(Graph graph, boolean freshOutputs, int maxBody) {
        this(planFitting(graph, maxBody), freshOutputs);
    }

    private static Plan planFitting(Graph graph, int maxBody) {
        for (int limit = maxBody; ; limit /= 2) {
            Plan plan = FusionPlanner.plan(graph, limit);
            boolean fits = true;
            try {
                for (Kernel k : plan.kernels()) {
                    // only big loops can pass the limit; small ones are not emitted twice
                    if (k.body().size() > 60) {
                        for (JvmEmitter.Options form : forms()) {
                            fits &= JvmEmitter.emit(k, "dev/kiln/cpu/Probe", plan.buffers().size(), form).length <= MAX_KERNEL_BYTES;
                        }
                    }
                }
            } catch (KernelTooLargeException e) {
                fits = false;
            }
            if (fits || limit < 16) {
                return plan;
            }
        }
    }

    /** For tests: every kernel of the plan in one form, for good (no switch). */
    CompiledPlan(Graph graph, JvmEmitter.Options form) {
        this(FusionPlanner.plan(graph), false, form);
    }

    CompiledPlan(Plan plan, boolean freshOutputs) {
        this(plan, freshOutputs, null);
    }

    private CompiledPlan(Plan plan, boolean freshOutputs, JvmEmitter.Options fixedForm) {
        this.plan = plan;
        this.freshOutputs = freshOutputs;
        this.inputBuffers = plan.inputs().stream().mapToInt(Integer::intValue).toArray();
        this.outputBuffers = plan.outputs().stream().mapToInt(Integer::intValue).toArray();
        int n = plan.buffers().size();
        this.isInput = new boolean[n];
        for (int b : inputBuffers) {
            isInput[b] = true;
        }
        // Interpreted ops that need not run (views, gathers the GEMMs pack from), then liveness-based
        // reuse: intermediates whose lifetimes (through those lazy steps' readers) do not overlap share one array.
        LazyOps.Uses uses = LazyOps.Uses.of(plan);
        Object[] lazy = LazyOps.decide(plan, uses, isInput);
        this.shareWith = Arena.assign(plan, LazyOps.aliases(plan, lazy));
        this.shared = (int) java.util.Arrays.stream(shareWith).filter(x -> x >= 0).count();
        this.ownArray = new boolean[n];
        for (int b = 0; b < n; b++) {
            ownArray[b] = shareWith[b] < 0;
        }
        for (int b = 0; b < n; b++) {
            if (shareWith[b] >= 0) {
                ownArray[shareWith[b]] = false;
            }
        }
        for (int b : outputBuffers) {
            ownArray[b] = false;
        }
        Object[] made = new Object[plan.steps().size()];
        this.setPerRun = new boolean[n];
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (int i = 0; i < made.length; i++) {
            Plan.Step s = plan.steps().get(i);
            Kernel kernel = Plan.kernel(s);
            if (kernel == null) {
                made[i] = lazy[i] != null ? lazy[i] : s;
                if (lazy[i] != null) {
                    setPerRun[((Plan.OpStep) s).output()] = true;
                }
                continue;
            }
            // A Vector API loop runs the API's slow Java fallback until C2 has compiled it: a
            // long loop gets there within a few calls, a short one only after thousands, so
            // short loops start scalar and switch once the plan has proved it runs that often
            // and has done enough work to pay for the compile (switchAfterRuns).
            boolean vector = VectorSupport.enabled() && JvmEmitter.vectorizable(kernel);
            boolean now = vector && kernel.domain().numelLong() >= JvmEmitter.CHUNKED_MIN_POSITIONS;
            if (fixedForm != null) {
                made[i] = executable(lookup, s, kernel, fixedForm);
                continue;
            }
            if (vector && !now && !freshOutputs) { // eager single ops stay scalar: their loops are short
                laterVector.add(i);
            }
            // a loop that switches later starts in the scalar form that gives its vector form's bits
            made[i] = executable(lookup, s, kernel, now ? VECTORS : vector && !freshOutputs ? LANES : JvmEmitter.Options.SCALAR);
        }
        BatchedEpilogue.fuse(plan, made, laterVector, shareWith);
        this.steps = made;
        long positions = 0;
        for (int i : laterVector) {
            positions += Plan.kernel(plan.steps().get(i)).domain().numelLong() + LANE_FORM_POSITIONS;
        }
        switchAfter = switchAfterRuns(positions);
        // one buffer set made now: the first run finds it ready
        created.set(1);
        release(new RunState());
    }

    /** Per buffer: set by its step on every run (a view or an implicit gather), so a run state allocates no array for it. */
    private final boolean[] setPerRun;

    /** A kernel step's function (chunked when large), or a GEMM with its epilogue's. */
    private Object executable(MethodHandles.Lookup lookup, Plan.Step s, Kernel kernel, JvmEmitter.Options form) {
        KernelFunction fn = define(lookup, kernel, plan.buffers().size(), form);
        if (s instanceof Plan.MatMulStep m) {
            return new GemmWithEpilogue(m, plan.buffers().get(m.out()).shape(), fn);
        }
        return fn.rows() > 0 ? new ChunkedKernel(fn, kernel) : fn;
    }

    /**
     * A GEMM whose consumer loop runs on each block of rows as the GEMM finishes it. A loop too
     * small to be emitted in row ranges runs whole after the GEMM.
     */
    private record GemmWithEpilogue(Plan.MatMulStep step, dev.kiln.Shape product, KernelFunction fn) {
        private static final double[] NO_PARTIALS = new double[0];

        void run(Object[] buffers, double[] scalars, Gathered ga, Gathered gb) {
            if (fn.rows() == 0) {
                Gemm.matmul(buffers[step.a()], ga, step.aView(), buffers[step.b()], gb, step.bView(), buffers[step.out()], product,
                        null);
                fn.run(buffers, scalars);
                return;
            }
            fn.before(buffers, scalars);
            Gemm.matmul(buffers[step.a()], ga, step.aView(), buffers[step.b()], gb, step.bView(), buffers[step.out()], product,
                    (from, to) -> fn.range(buffers, scalars, from, to, NO_PARTIALS, 0));
            fn.after(buffers, scalars);
        }
    }

    /** Kernels with a Vector API part at this JVM's width, contracting multiply-adds where the CPU has FMA. */
    private static final JvmEmitter.Options VECTORS = VectorSupport.enabled()
            ? JvmEmitter.Options.vectors(VectorSupport.fma(), VectorSupport.bits()) : JvmEmitter.Options.SCALAR;
    /** Scalar kernels that compute what their {@link #VECTORS} form computes, bit for bit. */
    private static final JvmEmitter.Options LANES = VectorSupport.enabled()
            ? JvmEmitter.Options.lanes(VectorSupport.fma(), VectorSupport.bits()) : JvmEmitter.Options.SCALAR;

    /** The forms a plan's kernels may be emitted in on this JVM. */
    private static List<JvmEmitter.Options> forms() {
        return VectorSupport.enabled() ? List.of(VECTORS, LANES) : List.of(JvmEmitter.Options.SCALAR);
    }

    /** The generated class bytes of every kernel, for inspection (tests check them with ASM's CheckClassAdapter). */
    public static List<byte[]> classFiles(Graph graph) {
        Plan plan = dev.kiln.codegen.kernel.FusionPlanner.plan(graph);
        List<byte[]> out = new ArrayList<>();
        for (Kernel k : plan.kernels()) {
            out.add(JvmEmitter.emit(k, "dev/kiln/cpu/Kernel$" + k.name(), plan.buffers().size(), forms().getFirst()));
        }
        return out;
    }

    /** The classes of this plan's kernels (for tests: identical kernels share a class). */
    List<Class<?>> kernelClasses() {
        List<Class<?>> out = new ArrayList<>();
        for (Object s : steps) {
            if (s instanceof KernelFunction k) {
                out.add(k.getClass());
            } else if (s instanceof ChunkedKernel c) {
                out.add(c.function().getClass());
            } else if (s instanceof GemmWithEpilogue g) {
                out.add(g.fn().getClass());
            }
        }
        return out;
    }

    /** Batched GEMMs that run their consumer loop per matrix (for tests). */
    int batchedEpilogues() {
        return (int) java.util.Arrays.stream(steps).filter(s -> s instanceof BatchedEpilogue).count();
    }

    /** Gathers this plan's GEMMs pack from their source, never written out (for tests). */
    int implicitGathers() {
        return (int) java.util.Arrays.stream(steps).filter(s -> s instanceof LazyOps.ImplicitGather).count();
    }

    /** Interpreted movements run as views of their input (for tests). */
    int viewSteps() {
        return (int) java.util.Arrays.stream(steps).filter(s -> s instanceof LazyOps.ViewStep).count();
    }

    /** The plan this runs. */
    public Plan plan() {
        return plan;
    }

    /** Generated classes by their bytes: stateless, so plans with an identical kernel share one (already JIT-compiled) class. */
    private static final int SHARED_KERNELS = 512;
    private static final BoundedCache<Bytes, KernelFunction> KERNELS = new BoundedCache<>("the cache of kernel classes",
            SHARED_KERNELS);

    /** A class file's bytes, compared in full. */
    private record Bytes(byte[] bytes, int hash) {
        Bytes(byte[] bytes) {
            this(bytes, java.util.Arrays.hashCode(bytes));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && b.hash == hash && java.util.Arrays.equals(b.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * The kernel's class: one already defined for identical bytes (a new plan of a structure seen
     * before — a re-run training loop, a dynamic model's recompile — then starts on JIT-compiled
     * code instead of interpreting fresh bytecode), else a new hidden class.
     */
    private static KernelFunction define(MethodHandles.Lookup lookup, Kernel kernel, int buffers, JvmEmitter.Options form) {
        // one name for all: defineHiddenClass makes each class's name unique
        String name = "dev/kiln/cpu/Kernel";
        byte[] bytes = JvmEmitter.emit(kernel, name, buffers, form);
        return KERNELS.get(new Bytes(bytes), key -> {
            BytecodeCheck.verify(bytes, name + "$" + kernel.name());
            try {
                Class<?> c = lookup.defineHiddenClass(bytes, true).lookupClass();
                return (KernelFunction) c.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("could not define kernel " + kernel.name(), e);
            }
        });
    }

    /** At least this many runs before short loops switch to their Vector API form (see the constructor). */
    static final int VECTOR_AFTER_RUNS = 5000;
    /**
     * And at least this much scalar work (loop positions summed over runs): C2 takes a large fraction
     * of a second to compile a plan's Vector API loops, which pays only once the plan has done work of
     * that order (ski rental); a short program never pays it. Measured: the dynamic sample's 30,000
     * compiled steps (2000-point loops) took 4.2 s cold switching at 5000 runs, 2.5 s without switching.
     */
    static final long VECTOR_AFTER_POSITIONS = 1L << 28;
    /**
     * What a loop's scalar lane form costs per run beyond its positions, counted as positions: it
     * sums through lane arrays it clears and folds on every run. Measured on the seed's step at 16
     * points: 600 ns per call in that form, 390 ns in the vector form; so a tiny loop switches after
     * about 2^28 / 1040 runs (a fraction of a second), not after 2^24.
     */
    static final long LANE_FORM_POSITIONS = 1024;
    /** {@code -Dkiln.vectorAfterRuns=N}: switch after exactly N runs (tests and benchmarks). */
    private static final Integer FORCED_RUNS = Integer.getInteger("kiln.vectorAfterRuns");
    /** Kernel steps still in scalar form that have a Vector API form (guarded by the plan). */
    private final List<Integer> laterVector = new ArrayList<>();
    /** Runs so far, counted until the switch (a lost increment under threads only delays it). */
    private int runs;
    /** Runs after which this plan switches (set once the later-vector loops are known). */
    private int switchAfter = Integer.MAX_VALUE;

    /** The runs after which a plan whose switching loops cover {@code positions} per run switches. */
    static int switchAfterRuns(long positions) {
        return switchAfterRuns(positions, FORCED_RUNS);
    }

    static int switchAfterRuns(long positions, Integer forced) {
        if (forced != null) {
            return forced;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(VECTOR_AFTER_RUNS, VECTOR_AFTER_POSITIONS / Math.max(1, positions)));
    }

    /** Switches short loops to their vector form once the plan has run often enough (see the constructor). */
    private void switchWhenDue() {
        if (!laterVector.isEmpty() && ++runs >= switchAfter) {
            switchToVectors();
        }
    }

    /** A generated call ({@link CallEmitter}) and the step array and targets it was made for. */
    private record Call(Object[] steps, int first, int targets, PlanCall function) {
        boolean isFor(Object[] steps, int first, int targets) {
            return this.steps == steps && this.first == first && this.targets == targets;
        }
    }

    /** The last generated call (made again when the steps switch to vectors). */
    private volatile Call generated;

    /** The generated call of {@code steps} writing {@code targets} outputs from {@code first} on in place: made on first use. */
    private PlanCall callFor(Object[] steps, int first, int targets) {
        Call c = generated;
        return c != null && c.isFor(steps, first, targets) ? c.function : makeCall(steps, first, targets);
    }

    private synchronized PlanCall makeCall(Object[] steps, int first, int targets) {
        Call c = generated;
        if (c != null && c.isFor(steps, first, targets)) {
            return c.function;
        }
        String name = "dev/kiln/cpu/Call";
        byte[] bytes = CallEmitter.emit(name, plan, steps, first, targets);
        BytecodeCheck.verify(bytes, name);
        try {
            // the step array is the class data: its kernels become the call's constants
            Class<?> k = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, steps, true).lookupClass();
            PlanCall function = (PlanCall) k.getDeclaredConstructor().newInstance();
            generated = new Call(steps, first, targets, function);
            return function;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not define the plan's call", e);
        }
    }

    private synchronized void switchToVectors() {
        if (laterVector.isEmpty()) {
            return;
        }
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Object[] next = steps.clone();
        for (int i : laterVector) {
            Plan.Step s = plan.steps().get(i);
            next[i] = executable(lookup, s, Plan.kernel(s), VECTORS);
        }
        laterVector.clear();
        steps = next; // published whole: a run in flight keeps the array it started with
    }

    @Override
    public Run open() {
        int start = (int) (Thread.currentThread().threadId() % POOL);
        for (int k = 0; k < POOL; k++) {
            RunState r = idle.getAndSet(((start + k) % POOL) * SLOT_STRIDE, null);
            if (r != null) {
                return r;
            }
        }
        if (created.incrementAndGet() > POOL) {
            overflows.incrementAndGet();
        }
        return new RunState();
    }

    private void release(RunState r) {
        int start = (int) (Thread.currentThread().threadId() % POOL);
        for (int k = 0; k < POOL; k++) {
            if (idle.compareAndSet(((start + k) % POOL) * SLOT_STRIDE, null, r)) {
                return;
            }
        }
        created.decrementAndGet(); // the pool is full: this set is dropped
    }

    @Override
    public int outputCount() {
        return outputBuffers.length;
    }

    @Override
    public long poolOverflows() {
        return overflows.get();
    }

    /** One run's buffers, scalar slots and chunk partials. */
    private final class RunState implements Run, PlanCall.Steps {
        private final Object[] buffers;
        private final TensorData[] views;
        private final double[] scalars = new double[plan.scalarSlots()];
        private final TensorData[] outputViews = new TensorData[outputBuffers.length];
        private final double[][] partials = new double[plan.steps().size()][];
        /** Per buffer: the gather a GEMM reads it through, where it is never materialized ({@link LazyOps.ImplicitGather}). */
        private final Gathered[] gathered;
        /** Whether a caller keeps this set (see {@link #keep}). */
        private boolean kept;

        RunState() {
            int n = plan.buffers().size();
            buffers = new Object[n];
            views = new TensorData[n];
            gathered = new Gathered[n];
            for (int i = 0; i < n; i++) {
                if (isInput[i] || setPerRun[i]) {
                    continue;
                }
                Plan.Buffer b = plan.buffers().get(i);
                TensorData d = shareWith[i] >= 0 && views[shareWith[i]] != null
                        ? new TensorData(views[shareWith[i]].storage(), Layout.contiguous(b.shape()))
                        : TensorData.allocate(b.shape(), b.dtype());
                views[i] = d;
                buffers[i] = d.storage().array();
            }
        }

        @Override
        public void input(int slot, TensorData in) {
            int b = inputBuffers[slot];
            if (in == views[b]) {
                return;
            }
            if (!PlanCall.dense(in, in.shape().numel())) {
                TensorData copy = TensorData.allocate(in.shape(), in.dtype());
                copy.copyFrom(in);
                in = copy;
            }
            views[b] = in;
            buffers[b] = in.storage().array();
        }

        @Override
        public void run() {
            switchWhenDue();
            runSteps();
        }

        @Override
        public boolean call(TensorData[] targets, int first) {
            if (freshOutputs || StepProfile.ON) {
                return Run.super.call(targets, first);
            }
            switchWhenDue();
            current = CompiledPlan.this.steps;
            if (callFor(current, first, targets.length).call(buffers, views, scalars, targets, this)) {
                return true;
            }
            runSteps();
            return false;
        }

        /** The steps of the run in progress (the array it started with: a switch to vectors replaces it whole). */
        private Object[] current;

        private void runSteps() {
            if (freshOutputs) {
                for (int b : outputBuffers) {
                    if (!isInput[b]) {
                        Plan.Buffer spec = plan.buffers().get(b);
                        views[b] = TensorData.allocate(spec.shape(), spec.dtype());
                        buffers[b] = views[b].storage().array();
                    }
                }
            }
            current = CompiledPlan.this.steps;
            for (int i = 0; i < current.length; i++) {
                long start = StepProfile.ON ? System.nanoTime() : 0;
                step(i);
                if (StepProfile.ON) {
                    StepProfile.add(plan, i, System.nanoTime() - start);
                }
            }
            finish();
        }

        @Override
        public void step(int i) {
            Object step = current[i];
            // an instanceof chain, final classes first: a pattern switch's type test cost more than
            // the scalar steps themselves on a 2000-point step
            if (step instanceof Plan.ReadScalar r) {
                scalars[r.slot()] = first(buffers[r.buffer()], views[r.buffer()]);
            } else if (step instanceof Plan.WriteScalar w) {
                setFirst(buffers[w.buffer()], views[w.buffer()], scalars[w.slot()]);
            } else if (step instanceof ChunkedKernel k) {
                double[] p = partials[i];
                if (p == null || p.length < k.partialsSize()) {
                    p = partials[i] = new double[k.partialsSize()];
                }
                k.run(buffers, scalars, p);
            } else if (step == BatchedEpilogue.DONE_BY_GEMM) {
                return;
            } else if (step instanceof BatchedEpilogue e) {
                e.run(buffers, scalars, gathered[e.step().a()], gathered[e.step().b()]);
            } else if (step instanceof GemmWithEpilogue g) {
                g.run(buffers, scalars, gathered[g.step().a()], gathered[g.step().b()]);
            } else if (step instanceof Plan.MatMulStep m) {
                Gemm.matmul(buffers[m.a()], gathered[m.a()], m.aView(), buffers[m.b()], gathered[m.b()], m.bView(),
                        buffers[m.out()], plan.buffers().get(m.out()).shape(), null);
            } else if (step instanceof LazyOps.ViewStep v) {
                TensorData in = views[v.input()];
                Layout view = in.layout().view(v.op(), v.shape());
                TensorData result = view != null ? new TensorData(in.storage(), view)
                        : Interpreter.execute(v.op(), List.of(in), new TensorType(v.shape(), in.dtype()));
                views[v.output()] = result;
                buffers[v.output()] = result.storage().array();
            } else if (step instanceof LazyOps.ImplicitGather g) {
                Gathered lazy = new Gathered(g.op(), views[g.x()], views[g.index()], g.shape());
                lazy.check();
                gathered[g.output()] = lazy;
            } else if (step instanceof Plan.OpStep o) {
                List<TensorData> ins = new ArrayList<>(o.inputs().size());
                for (int b : o.inputs()) {
                    ins.add(views[b]);
                }
                Plan.Buffer out = plan.buffers().get(o.output());
                TensorData result;
                if (o.op() instanceof dev.kiln.ir.Index.ScatterAdd sa && reusable(o.output())) {
                    // the last run's array, zeroed: a scatter into a large gradient costs its index, not a new array
                    result = views[o.output()];
                    Values.zero(result);
                    if (!IndexKernels.scatterAddInto(sa, ins.get(0), ins.get(1), result)) {
                        Interpreter.scatterAddInto(sa, ins.get(0), ins.get(1), result);
                    }
                } else {
                    TensorType type = new TensorType(out.shape(), out.dtype());
                    TensorData fast = IndexKernels.execute(o.op(), ins, type);
                    result = fast != null ? fast : Interpreter.execute(o.op(), ins, type);
                }
                views[o.output()] = result;
                buffers[o.output()] = result.storage().array();
            } else {
                ((KernelFunction) step).run(buffers, scalars);
            }
        }

        @Override
        public void finish() {
            for (int i = 0; i < outputViews.length; i++) {
                int b = outputBuffers[i];
                if (outputViews[i] == null || outputViews[i].storage() != views[b].storage()) {
                    outputViews[i] = new TensorData(views[b].storage(), Layout.contiguous(plan.buffers().get(b).shape()));
                }
            }
        }

        /** Whether buffer {@code b}'s array from this run state's last run may be written again (see {@link #ownArray}). */
        private boolean reusable(int b) {
            TensorData v = views[b];
            return ownArray[b] && v != null && v.layout().offset() == 0 && v.layout().isContiguous();
        }

        @Override
        public TensorData output(int i) {
            return outputViews[i];
        }

        @Override
        public void close() {
            // nothing of this run's inputs (or handed-out outputs) is kept alive by the pool
            for (int slot = 0; slot < inputBuffers.length; slot++) {
                unbind(slot);
            }
            if (freshOutputs) {
                for (int b : outputBuffers) {
                    if (!isInput[b]) {
                        views[b] = null;
                        buffers[b] = null;
                    }
                }
                java.util.Arrays.fill(outputViews, null);
            }
            if (kept) { // back from a caller that kept it (after a failed run)
                kept = false;
                created.incrementAndGet();
            }
            release(this);
        }

        @Override
        public boolean keep(boolean[] dropped) {
            if (freshOutputs) {
                return false;
            }
            for (int slot = 0; slot < dropped.length; slot++) {
                if (dropped[slot]) {
                    unbind(slot);
                }
            }
            if (!kept) { // it has left the pool for good: a set the pool made anew is not an overflow
                kept = true;
                created.decrementAndGet();
            }
            return true;
        }

        /** Drops the value bound to input slot {@code slot}. */
        private void unbind(int slot) {
            int b = inputBuffers[slot];
            views[b] = null;
            buffers[b] = null;
        }
    }

    /** The single element of a one-element buffer as a double (float arrays read directly). */
    private static double first(Object array, TensorData view) {
        if (view.layout().offset() == 0) {
            if (array instanceof float[] f) {
                return f[0];
            } else if (array instanceof double[] d) {
                return d[0];
            }
        }
        return view.getDouble(0);
    }

    /** Sets the single element of a one-element buffer (float arrays written directly). */
    private static void setFirst(Object array, TensorData view, double value) {
        if (view.layout().offset() == 0) {
            if (array instanceof float[] f) {
                f[0] = (float) value;
                return;
            } else if (array instanceof double[] d) {
                d[0] = value;
                return;
            }
        }
        view.storage().setDouble(view.layout().offset(), value);
    }

    @Override
    public String describe() {
        return plan.describe();
    }

    /** Runs once on {@code inputs} (in input-slot order) and returns copies of the outputs. */
    public List<TensorData> run(List<TensorData> inputs) {
        try (Run r = open()) {
            for (int i = 0; i < inputs.size(); i++) {
                r.input(i, inputs.get(i));
            }
            r.run();
            List<TensorData> out = new ArrayList<>(outputCount());
            for (int i = 0; i < outputCount(); i++) {
                TensorData o = r.output(i);
                TensorData copy = TensorData.allocate(o.shape(), o.dtype());
                copy.copyFrom(o);
                out.add(copy);
            }
            return out;
        }
    }
}
