package dev.kiln;

import dev.kiln.spi.Executable;

import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphText;
import dev.kiln.pass.Pipeline;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A function compiled by {@link Kiln#compile}: traced with symbolic tensors into a graph,
 * optimized, compiled by the backend, then replayed. Every concrete tensor the function touches
 * (parameters, optimizer state, data it closes over) is an implicit input, read fresh on every
 * call; its in-place updates and gradient changes become outputs, written back after the plan
 * has run completely — so a failing call changes nothing.
 *
 * <p><b>Threads.</b> A compiled function may be shared by threads:
 * <ul>
 * <li>calls that write no shared tensor (inference under no-grad: no in-place update, no gradient,
 *     no random draw) run in parallel, each in working buffers of its own, and give exactly the
 *     bits a single thread gets;
 * <li>calls that write shared tensors (a training step updating parameters, optimizer state,
 *     gradients, a generator) are serialized by one lock per compiled function, so the parameter
 *     history is that of the calls in the order they took the lock; a writing call waits for the
 *     parallel ones in flight and they wait for it, so none sees half an update;
 * <li>tracing and compiling happen under the function's own lock: a signature traced from several
 *     threads at once is compiled once;
 * <li>eager tensors are not thread-safe: a tensor written by one thread (eagerly, or by another
 *     compiled function) while another thread reads it is the caller's race.
 * </ul>
 * Plans are kept in bounded LRU caches ({@code Kiln.compile(fn, mode, plans)}); {@link #stats()}
 * counts hits, misses, compiles, evictions and working-buffer sets allocated beyond the pools.
 */
public final class CompiledFunction implements Step {
    /** Static: trace once per input signature. Dynamic: trace every call and look the plan up by structure. */
    public enum Mode {
        /** Trace once per input signature (shapes, dtypes, devices, requiresGrad) and replay the plan. */
        STATIC,
        /** Trace every call, for Java control flow in forward, and find the compiled plan by the trace's structure. */
        DYNAMIC
    }

    private final MultiStep fn;
    private final Mode mode;
    private final StaticPlans statics;
    private final DynamicPlans dynamics;
    /** Readers: calls that write nothing shared, and tracing. Writer: calls that write. */
    private final ReentrantReadWriteLock calls = new ReentrantReadWriteLock();
    /** Tracing, compiling and the caches (also held inside the read lock). */
    private final Object traceLock = new Object();
    /** Whether the last plan found wrote: then the next call takes the write lock at once. */
    private volatile boolean writes;
    private volatile boolean checkTraces;
    private final java.util.concurrent.atomic.LongAdder hits = new java.util.concurrent.atomic.LongAdder();
    private long misses;
    /**
     * Static mode: the last plan found and its signature, read without the trace lock. Only pure
     * plans that read no gradient go here: their guards (requiresGrad flags) do not change while
     * another thread traces.
     */
    private volatile Fast fast;
    /**
     * Static mode: the last plan found when it writes, with its signature. Read only under the
     * write lock, where no other thread traces or runs, so its guards are checked without the trace lock.
     */
    private Fast lastWriter;
    /** Hits of {@link #lastWriter}, counted under the write lock (no adder needed). */
    private long writerHits;

    private record Fast(StaticPlans.Signature signature, BoundPlan plan) {
    }
    /** Each call's time and loss, once a live viewer serves this function; null before. */
    private volatile CallLog log;
    private int compilations;
    private BoundPlan last;
    private String lastMiss = "no call has missed the cache yet";

    CompiledFunction(MultiStep fn, Mode mode, int capacity) {
        this.fn = fn;
        this.mode = mode;
        this.statics = mode == Mode.STATIC ? new StaticPlans(capacity) : null;
        this.dynamics = mode == Mode.DYNAMIC ? new DynamicPlans(capacity) : null;
    }

    /**
     * In static mode, re-trace on every call and fail if the trace differs from the compiled one
     * (a model that is really dynamic). It re-runs the function's Java code each call, so it costs
     * a trace per call; meant for development. No effect in dynamic mode, which traces every call anyway.
     *
     * @param on whether to check
     * @return this compiled function
     */
    public CompiledFunction checkTraces(boolean on) {
        this.checkTraces = on;
        return this;
    }

    /**
     * How many plans have been compiled so far.
     *
     * @return the number of compilations, counting plans compiled again after eviction
     */
    public int compilations() {
        synchronized (traceLock) {
            return compilations;
        }
    }

    /**
     * What the plan caches have done: calls that found a compiled plan (hits) or compiled one
     * (misses, compiles), plans evicted, and runs that allocated working buffers beyond the pools.
     *
     * @return the counts so far (pool overflows of the plans still cached)
     */
    public CacheStats stats() {
        synchronized (traceLock) {
            long overflows = 0;
            List<Executable> plans = mode == Mode.STATIC ? statics.all().stream().map(p -> p.exe).toList() : dynamics.all();
            for (Executable e : plans) {
                overflows += e.poolOverflows();
            }
            long evictions = mode == Mode.STATIC ? statics.evictions() : dynamics.evictions();
            return new CacheStats(hits.sum() + writerHits, misses, compilations, evictions, overflows);
        }
    }

    /**
     * Why the last cache miss missed.
     *
     * @return a new input signature, the guard that no longer held, or the first line where the graph differs from
     *     the nearest cached one; a sentence saying so when no call has missed yet
     */
    public String explainLastMiss() {
        synchronized (traceLock) {
            return lastMiss;
        }
    }

    /**
     * Same as {@link #call}: a compiled function is itself a step.
     *
     * @param inputs the function's arguments: concrete (not symbolic), non-null tensors
     * @return the function's (first) output
     */
    @Override
    public Tensor apply(Tensor... inputs) {
        return call(inputs);
    }

    /**
     * Runs the function: finds the plan for these inputs (tracing and compiling it on a miss) and runs it.
     *
     * @param inputs the function's arguments: concrete (not symbolic), non-null tensors
     * @return the function's (first) output, the caller's own tensor
     * @throws KilnException if an argument is null or symbolic, or (with {@link #checkTraces}) the trace differs
     */
    public Tensor call(Tensor... inputs) {
        CallLog l = log;
        if (l == null) {
            return (Tensor) invoke(inputs, false);
        }
        long start = System.nanoTime();
        Tensor out = (Tensor) invoke(inputs, false);
        l.record(System.nanoTime() - start, out);
        return out;
    }

    /**
     * Runs the function as {@link #call} does, returning every output.
     *
     * @param inputs the function's arguments: concrete (not symbolic), non-null tensors
     * @return every tensor the function returned (one for a {@link Step}), each the caller's own
     * @throws KilnException if an argument is null or symbolic, or (with {@link #checkTraces}) the trace differs
     */
    @SuppressWarnings("unchecked")
    public List<Tensor> callAll(Tensor... inputs) {
        CallLog l = log;
        if (l == null) {
            return (List<Tensor>) invoke(inputs, true);
        }
        long start = System.nanoTime();
        List<Tensor> out = (List<Tensor>) invoke(inputs, true);
        l.record(System.nanoTime() - start, out.isEmpty() ? null : out.get(0));
        return out;
    }

    /** Whether the function has run (so that {@link #vizData} has a call to draw). */
    boolean called() {
        synchronized (traceLock) {
            return last != null;
        }
    }

    /** Logs each call's time and loss from now on (once a live viewer serves this function). */
    void logCalls() {
        synchronized (traceLock) {
            if (log == null) {
                log = new CallLog();
            }
        }
    }

    /** The live metrics as JSON (see {@link CallLog#json}); {@link #logCalls} first. */
    String liveMetrics(int maxPoints) {
        return log.json(stats(), maxPoints);
    }

    private Object invoke(Tensor[] inputs, boolean all) {
        checkArguments(inputs);
        Fast f = fast;
        boolean fastHit = f != null && !checkTraces && f.signature.matches(inputs) && f.plan.guardsHold();
        BoundPlan plan = null;
        if (fastHit || !writes) {
            ReentrantReadWriteLock.ReadLock read = calls.readLock();
            read.lock();
            try {
                if (fastHit) {
                    hits.increment();
                    plan = f.plan; // pure, by how it got there
                } else {
                    plan = planFor(inputs);
                }
                if (plan.pure()) {
                    return run(plan, inputs, all);
                }
            } finally {
                read.unlock();
            }
            writes = true;
        }
        ReentrantReadWriteLock.WriteLock write = calls.writeLock();
        write.lock();
        try {
            // A plan found under the read lock is kept (a dynamic step is traced once per call, as
            // its Java code may draw random numbers), unless a writer in between changed its guards.
            if (plan == null || !plan.guardsHold()) {
                Fast w = lastWriter;
                if (w != null && !checkTraces && w.signature.matches(inputs) && w.plan.guardsHold()) {
                    writerHits++;
                    plan = w.plan;
                } else {
                    plan = planFor(inputs);
                }
            }
            if (writes == plan.pure()) { // a volatile store only on a change: it fences
                writes = !plan.pure();
            }
            return run(plan, inputs, all);
        } finally {
            write.unlock();
        }
    }

    private static Object run(BoundPlan plan, Tensor[] inputs, boolean all) {
        return all ? plan.runAll(inputs) : plan.run(inputs);
    }

    /**
     * Everything a call does before running: traces as the mode requires and finds the plan these
     * inputs would run, compiling it on a miss — so a first call can be prepared ahead of time.
     * Nothing is run or written (tracing restores what it touches). Returns whether the plan was
     * already compiled.
     *
     * @param inputs arguments of the call to prepare for: concrete (not symbolic), non-null tensors
     * @return true if the plan was already compiled, false if this call compiled it
     * @throws KilnException if an argument is null or symbolic
     */
    public boolean prepare(Tensor... inputs) {
        checkArguments(inputs);
        ReentrantReadWriteLock.ReadLock read = calls.readLock();
        read.lock();
        try {
            synchronized (traceLock) {
                int before = compilations;
                planFor(inputs);
                return compilations == before;
            }
        } finally {
            read.unlock();
        }
    }

    private static void checkArguments(Tensor[] inputs) {
        if (inputs == null) {
            throw new KilnException("a compiled function was called with a null argument array");
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw new KilnException("argument " + i + " of a compiled function call is null");
            }
            if (inputs[i].isSymbolic()) {
                throw new KilnException("a compiled function was called with a symbolic tensor (argument " + i + ")");
            }
        }
    }

    /** Finds (or traces and compiles) the plan for this call. */
    private BoundPlan planFor(Tensor[] inputs) {
        synchronized (traceLock) {
            BoundPlan plan = mode == Mode.STATIC ? staticPlan(inputs) : dynamicPlan(inputs);
            last = plan;
            if (mode == Mode.STATIC) {
                Fast f = fast;
                boolean lockFree = plan.pure() && plan.traced.readsNoGradient();
                fast = !lockFree ? null : f != null && f.plan == plan ? f : new Fast(statics.lastSignature(), plan);
                Fast w = lastWriter;
                lastWriter = plan.pure() ? null : w != null && w.plan == plan ? w : new Fast(statics.lastSignature(), plan);
            }
            return plan;
        }
    }

    private BoundPlan staticPlan(Tensor[] inputs) {
        List<BoundPlan> plans = statics.plansFor(inputs);
        BoundPlan plan = statics.find(plans);
        if (plan == null) {
            misses++;
            Traced traced = Tracer.trace(fn, inputs);
            // Tracing may have brought state back to a cached plan's guards (an optimizer's state
            // follows its parameters' dtype when its step is traced): that plan is this one.
            plan = statics.find(plans);
            if (plan != null) {
                return plan;
            }
            String reason = plans.isEmpty() ? "new input signature " + StaticPlans.Signature.of(inputs)
                    : plans.getFirst().traced.describeGuards();
            plan = new BoundPlan(traced, compile(traced, reason), true);
            statics.add(plans, plan);
            return plan;
        }
        hits.increment();
        if (checkTraces) {
            check(plan, Tracer.trace(fn, inputs));
        }
        return plan;
    }

    private static void check(BoundPlan plan, Traced again) {
        if (!again.key.equals(plan.traced.key)) {
            throw new KilnException("the compiled function traced differently on this call (" + firstDifference(
                    GraphText.print(plan.traced.graph), GraphText.print(again.graph)) + "); its graph depends on"
                    + " more than input shapes, so compile it with Kiln.compile(fn, CompiledFunction.Mode.DYNAMIC)");
        }
        for (int i = 0; i < again.bindings.size(); i++) {
            if (!again.bindings.get(i).equals(plan.traced.bindings.get(i))) {
                throw new KilnException("the compiled function read a different tensor object on this call (implicit"
                        + " input " + i + " of type " + plan.traced.graph.inputs().get(i).type() + "); tensors it closes"
                        + " over are bound when it is traced, so pass data that changes between calls as an argument");
            }
        }
    }

    private BoundPlan dynamicPlan(Tensor[] inputs) {
        Traced traced = dynamics.trace(fn, inputs);
        Executable exe = dynamics.find(traced);
        if (exe == null) {
            misses++;
            String nearest = dynamics.nearestText();
            String text = GraphText.print(traced.graph);
            exe = compile(traced, nearest == null ? "first call" : firstDifference(nearest, text));
            dynamics.add(traced, exe, text);
        } else {
            hits.increment();
        }
        return new BoundPlan(traced, exe, false); // made for this call alone: its runs go back to the pool
    }

    /**
     * Sets how many plans the caches keep; what no longer fits is evicted, least recently used first.
     *
     * @param plans the most plans to keep, at least 1
     * @return this compiled function
     * @throws KilnException if {@code plans} is below 1
     */
    public CompiledFunction maxPlans(int plans) {
        if (plans < 1) {
            throw new KilnException("a compiled function needs room for at least one plan, got " + plans);
        }
        synchronized (traceLock) {
            fast = null;
            lastWriter = null;
            if (mode == Mode.STATIC) {
                statics.capacity(plans);
            } else {
                dynamics.capacity(plans);
            }
        }
        return this;
    }

    /**
     * How many steps of earlier traces the dynamic mode keeps to replay (a diagnostic: it grows with
     * the distinct structures seen and shrinks when their plans are evicted).
     *
     * @return the number of recorded steps; 0 in static mode
     */
    public int recordedSteps() {
        synchronized (traceLock) {
            return dynamics == null ? 0 : dynamics.recordedSteps();
        }
    }

    private Executable compile(Traced traced, String reason) {
        lastMiss = reason;
        compilations++;
        var optimized = Pipeline.standard(false).run(traced.graph);
        traced.optimized = optimized;
        return Backends.of(traced.device).compile(traced.device, optimized);
    }

    private static String firstDifference(String a, String b) {
        String[] x = a.split("\n");
        String[] y = b.split("\n");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (!x[i].equals(y[i])) {
                return "line " + i + " of the graph was '" + x[i] + "', now '" + y[i] + "'";
            }
        }
        return x.length == y.length ? "graphs are equal" : "the graph had " + x.length + " lines, now " + y.length;
    }

    /**
     * The compiled plan of the last call as CUDA C: launches, then the module's text (see {@link Kiln#explainCuda}).
     *
     * @return that text, or {@code "not called yet"} before the first call
     * @throws KilnException if the CUDA backend is not on the class path
     */
    public String explainCuda() {
        synchronized (traceLock) {
            return last == null ? "not called yet" : compiledFor(Device.cuda(0)).describe();
        }
    }

    /**
     * The CUDA C module of the last call's plan alone: the text nvcc compiles as saved (see {@link Kiln#cudaSource}).
     *
     * @return the module's text
     * @throws KilnException before the first call, or if the CUDA backend is not on the class path
     */
    public String cudaSource() {
        return sourceFor(Device.cuda(0));
    }

    /**
     * The generated source of the last call's plan as the backend of {@code device} compiles it
     * (for a CUDA device, the module nvcc or NVRTC compiles), whatever device the call ran on.
     * Fails when that backend emits no source text, or before the first call.
     *
     * @param device the device whose backend compiles the plan
     * @return the plan's generated source
     * @throws KilnException before the first call, if there is no backend for {@code device}, or if it emits no source
     */
    public String sourceFor(Device device) {
        synchronized (traceLock) {
            if (last == null) {
                throw new KilnException("the function has not been called yet; call it once, then ask for the " + device.type()
                        + " source of that call's plan");
            }
            String source = compiledFor(device).source();
            if (source == null) {
                throw new KilnException("the " + device.type() + " backend emits no source text for its plans");
            }
            return source;
        }
    }

    /** The last call's optimized graph compiled by {@code device}'s backend (the plan itself where it ran there). */
    private Executable compiledFor(Device device) {
        if (last.traced.device.equals(device)) {
            return last.exe;
        }
        Graph optimized = last.traced.optimized;
        if (optimized == null) {
            optimized = Pipeline.standard(false).run(last.traced.graph);
        }
        return Backends.of(device).compile(device, optimized);
    }

    /** What {@link Kiln#viz} draws of the last call: its traced graph, each pass's result and the optimized graph. */
    dev.kiln.internal.VizData vizData(String title) {
        synchronized (traceLock) {
            if (last == null) {
                throw new KilnException("Kiln.viz: the function has not been called yet; call it once, then draw that call's graphs");
            }
            Traced t = last.traced;
            List<String> places = places(t);
            java.util.List<String> names = new java.util.ArrayList<>();
            for (int k = 0; k < t.bindings.size(); k++) {
                names.add(switch (t.bindings.get(k)) {
                    case Binding.Argument a -> "argument #" + a.index();
                    case Binding.Captured c -> (places.get(k) != null ? places.get(k) : "captured") + " " + c.tensor().dtype() + c.tensor().shape();
                });
            }
            return dev.kiln.pass.PassTrace.run(title, t.graph, t.gradientRanges, t.device, names);
        }
    }

    /**
     * Each input slot's place in the user's program ({@code fc1.weight}, {@code optimizer.state.0.exp_avg}),
     * null for the arguments and for captured tensors no module or optimizer holds.
     */
    private static List<String> places(Traced t) {
        List<Tensor> captured = new java.util.ArrayList<>();
        for (Binding b : t.bindings) {
            if (b instanceof Binding.Captured c) {
                captured.add(c.tensor());
            }
        }
        java.util.Map<Tensor, String> names = dev.kiln.internal.Places.names(captured);
        List<String> out = new java.util.ArrayList<>();
        for (Binding b : t.bindings) {
            out.add(b instanceof Binding.Captured c ? names.get(c.tensor()) : null);
        }
        return out;
    }

    /**
     * The traced graph, the ranges of it backward made, the optimized graph and the compiled plan of the last call.
     *
     * @return that text, or {@code "not called yet"} before the first call
     */
    public String explain() {
        synchronized (traceLock) {
            if (last == null) {
                return "not called yet";
            }
            Traced t = last.traced;
            StringBuilder grads = new StringBuilder();
            for (int[] r : t.gradientRanges) {
                grads.append("nodes %").append(r[0]).append(" to %").append(r[1] - 1).append(" (made by backward)\n");
            }
            List<String> places = places(t);
            java.util.function.IntFunction<String> label = k -> k < places.size() ? places.get(k) : null;
            return "== traced graph (forward, backward and updates)\n" + GraphText.print(t.graph, label)
                    + "== gradient graph\n" + (grads.isEmpty() ? "(no backward in this step)\n" : grads)
                    + "== optimized graph\n" + (t.optimized != null ? GraphText.print(t.optimized, label)
                            : "(compiled from an earlier, identical trace)\n")
                    + "== plan\n" + last.exe.describe();
        }
    }
}
