package dev.kiln;

import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.GraphText;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.TraceTree;
import dev.kiln.pass.Pipeline;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A function compiled by {@link Kiln#compile}: traced with symbolic tensors into a graph,
 * optimized, compiled by the backend, then replayed. Every concrete tensor the function touches
 * (parameters, optimizer state, data it closes over) is an implicit input, read fresh on every
 * call; its in-place updates and gradient changes become outputs, written back after the plan
 * has run completely — so a failing call changes nothing. Not thread-safe: a compiled function
 * (like the model it trains) belongs to one thread at a time.
 */
public final class CompiledFunction implements Step {
    private static final System.Logger LOG = System.getLogger("dev.kiln.compile");

    /** Static: trace once per input signature. Dynamic: trace every call and look the plan up by structure. */
    public enum Mode { STATIC, DYNAMIC }

    private final Step fn;
    private final Mode mode;
    private final int capacity;
    private boolean checkTraces;
    private final Map<List<TensorType>, List<Plan>> bySignature = new HashMap<>();
    private final LinkedHashMap<Graph.Fingerprint, Executable> byStructure;
    /** Text forms of cached graphs, only to explain misses. */
    private final Map<Graph.Fingerprint, String> texts = new HashMap<>();
    /** Dynamic mode: earlier traces, so a trace that repeats one replays its nodes instead of building them. */
    private final TraceTree tree = new TraceTree();
    /** Dynamic mode: where in the tree the traces of each cached structure end (pruned on eviction). */
    private final Map<Graph.Fingerprint, List<TraceTree.Step>> ends = new HashMap<>();
    private int compilations;
    private int evictions;
    private Traced last;
    private String lastMiss = "no call has missed the cache yet";

    CompiledFunction(Step fn, Mode mode, int capacity) {
        this.fn = fn;
        this.mode = mode;
        this.capacity = capacity;
        this.byStructure = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * In static mode, re-trace on every call and fail if the trace differs from the compiled one
     * (a model that is really dynamic). It re-runs the function's Java code each call, so it costs
     * a trace per call; meant for development.
     */
    public CompiledFunction checkTraces(boolean on) {
        this.checkTraces = on;
        return this;
    }

    /** How many plans have been compiled so far. */
    public int compilations() {
        return compilations;
    }

    /** Why the last cache miss missed: the first line where its graph differs from the nearest cached one. */
    public String explainLastMiss() {
        return lastMiss;
    }

    /** Same as {@link #call}: a compiled function is itself a step. */
    @Override
    public Tensor apply(Tensor... inputs) {
        return call(inputs);
    }

    public Tensor call(Tensor... inputs) {
        return planFor(inputs).run(inputs);
    }

    /**
     * Everything a call does before running: traces as the mode requires and finds the plan these
     * inputs would run, compiling it on a miss — so a first call can be prepared ahead of time.
     * Nothing is run or written (tracing restores what it touches). Returns whether the plan was
     * already compiled.
     */
    public boolean prepare(Tensor... inputs) {
        int before = compilations;
        planFor(inputs);
        return compilations == before;
    }

    private Plan planFor(Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.isSymbolic()) {
                throw new KilnException("a compiled function was called with a symbolic tensor");
            }
        }
        Plan plan;
        if (mode == Mode.STATIC) {
            List<Plan> plans;
            if (lastPlans != null && sameTypes(inputs)) {
                plans = lastPlans;
            } else {
                plans = bySignature.computeIfAbsent(signature(inputs), k -> new ArrayList<>());
                lastPlans = plans;
                lastShapes = new Shape[inputs.length];
                lastDtypes = new DType[inputs.length];
                for (int i = 0; i < inputs.length; i++) {
                    lastShapes[i] = inputs[i].shape();
                    lastDtypes[i] = inputs[i].dtype();
                }
            }
            plan = null;
            for (int i = 0; i < plans.size() && plan == null; i++) {
                plan = plans.get(i).guardsHold() ? plans.get(i) : null;
            }
            if (plan == null) {
                Traced traced = trace(inputs, false);
                plan = new Plan(traced, compile(traced, plans.isEmpty() ? "new input signature " + signature(inputs)
                        : "a gradient that was " + (plans.getFirst().traced.describeGuards()) + " when traced is not now"));
                plans.add(plan);
            } else if (checkTraces) {
                Traced again = trace(inputs, false);
                if (!again.key.equals(plan.traced.key)) {
                    throw new KilnException("the compiled function traced differently on this call (" + firstDifference(
                            GraphText.print(plan.traced.graph), GraphText.print(again.graph)) + "); its graph depends on"
                            + " more than input shapes, so compile it with Kiln.compile(fn, CompiledFunction.Mode.DYNAMIC)");
                }
                for (int i = 0; i < again.bindings.size(); i++) {
                    if (again.bindings.get(i) != plan.traced.bindings.get(i)) {
                        throw new KilnException("the compiled function read a different tensor object on this call (implicit"
                                + " input " + i + " of type " + plan.traced.graph.inputs().get(i).type() + "); tensors it closes"
                                + " over are bound when it is traced, so pass data that changes between calls as an argument");
                    }
                }
            }
        } else {
            Traced traced = trace(inputs, true);
            Executable exe = byStructure.get(traced.key);
            if (exe == null) {
                exe = compile(traced, null);
                byStructure.put(traced.key, exe);
                texts.put(traced.key, GraphText.print(traced.graph));
                if (byStructure.size() > capacity) {
                    var eldest = byStructure.entrySet().iterator().next();
                    byStructure.remove(eldest.getKey());
                    texts.remove(eldest.getKey());
                    forget(eldest.getKey());
                    evictions++;
                    LOG.log(Level.WARNING, "Kiln: dynamic plan cache full (" + capacity + " plans); evicted the least"
                            + " recently used plan (" + evictions + " evictions so far). Raise the capacity if this repeats.");
                }
            }
            plan = new Plan(traced, exe);
        }
        last = plan.traced;
        return plan;
    }

    /** Unhooks an evicted structure's plan from the trace tree, and the branches only it used. */
    private void forget(Graph.Fingerprint key) {
        for (TraceTree.Step end : ends.getOrDefault(key, List.of())) {
            if (end.attachment() instanceof Ending e && e.key.equals(key)) {
                tree.prune(end);
            }
        }
        ends.remove(key);
    }

    /**
     * How many steps of earlier traces the dynamic mode keeps to replay (a diagnostic: it grows with
     * the distinct structures seen and shrinks when their plans are evicted).
     */
    public int recordedSteps() {
        return tree.size();
    }

    /** A trace's graph as attached where the trace ended in the tree: for a repeat of the same calls returning the same nodes. */
    private record Ending(List<Node> outputs, Graph graph, Graph.Fingerprint key, List<Node> inputs) {
    }

    /** Static mode: the last call's input types and their plans, so a repeat skips hashing the signature. */
    private List<Plan> lastPlans;
    private Shape[] lastShapes;
    private DType[] lastDtypes;

    private boolean sameTypes(Tensor[] inputs) {
        if (inputs.length != lastShapes.length) {
            return false;
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dtype() != lastDtypes[i] || !inputs[i].shape().equals(lastShapes[i])) {
                return false;
            }
        }
        return true;
    }

    private static List<TensorType> signature(Tensor[] inputs) {
        if (inputs.length == 0) {
            return List.of();
        }
        TensorType[] types = new TensorType[inputs.length];
        for (int i = 0; i < types.length; i++) {
            types[i] = inputs[i].type();
        }
        return List.of(types);
    }

    private Executable compile(Traced traced, String reason) {
        if (reason == null) {
            String nearest = null;
            for (String t : texts.values()) {
                nearest = t;
            }
            reason = nearest == null ? "first call" : firstDifference(nearest, GraphText.print(traced.graph));
        }
        lastMiss = reason;
        compilations++;
        Graph optimized = Pipeline.standard(false).run(traced.graph);
        traced.optimized = optimized;
        return Backends.cpu().compile(optimized);
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

    /** The traced graph, the optimized graph and the compiled plan of the last call. */
    public String explain() {
        if (last == null) {
            return "not called yet";
        }
        Executable exe = mode == Mode.STATIC ? bySignature.values().stream().flatMap(List::stream)
                .filter(p -> p.traced == last).map(p -> p.exe).findFirst().orElse(null) : byStructure.get(last.key);
        StringBuilder grads = new StringBuilder();
        for (int[] r : last.gradientRanges) {
            grads.append("nodes %").append(r[0]).append(" to %").append(r[1] - 1).append(" (made by backward)\n");
        }
        return "== traced graph (forward, backward and updates)\n" + last.graph
                + "== gradient graph\n" + (grads.isEmpty() ? "(no backward in this step)\n" : grads)
                + "== optimized graph\n" + (last.optimized != null ? last.optimized : "(compiled from an earlier, identical trace)\n")
                + "== plan\n" + (exe != null ? exe.describe() : "(evicted)\n");
    }

    /** What one trace of the function found. */
    private static final class Traced {
        final Graph graph;
        final Graph.Fingerprint key;
        /** Per input slot: an explicit input index (Integer) or a captured tensor. */
        final List<Object> bindings;
        final List<Tensor> writeTargets;
        /** Per tensor whose grad changed: null to clear, an output index (Integer), or a concrete tensor to set. */
        final Map<Tensor, Object> gradEffects;
        /** Whether each touched gradient was null when traced: accumulating into null is a different graph. */
        final Map<Tensor, Boolean> gradWasNull;
        final List<Trace.GeneratorUse> generators;
        final List<int[]> gradientRanges;
        Graph optimized;

        Traced(Graph graph, Graph.Fingerprint key, List<Object> bindings, List<Tensor> writeTargets,
                Map<Tensor, Object> gradEffects, Map<Tensor, Boolean> gradWasNull, List<Trace.GeneratorUse> generators,
                List<int[]> gradientRanges) {
            this.generators = generators;
            this.gradientRanges = gradientRanges;
            this.graph = graph;
            this.key = key;
            this.bindings = bindings;
            this.writeTargets = writeTargets;
            this.gradEffects = gradEffects;
            this.gradWasNull = gradWasNull;
        }

        /** The guards as arrays: checked on every static call. */
        private Tensor[] guarded;
        private boolean[] wasNull;

        boolean guardsHold() {
            if (guarded == null) {
                guarded = gradWasNull.keySet().toArray(new Tensor[0]);
                wasNull = new boolean[guarded.length];
                for (int i = 0; i < guarded.length; i++) {
                    wasNull[i] = gradWasNull.get(guarded[i]);
                }
            }
            for (int i = 0; i < guarded.length; i++) {
                if ((guarded[i].grad() == null) != wasNull[i]) {
                    return false;
                }
            }
            return true;
        }

        String describeGuards() {
            long nulls = gradWasNull.values().stream().filter(b -> b).count();
            return nulls + " of " + gradWasNull.size() + " null";
        }
    }

    /** Traces {@code fn}; {@code replay}: against the tree of earlier traces (dynamic mode). */
    private Traced trace(Tensor[] inputs, boolean replay) {
        // anomaly mode records each node's user line, which replayed nodes would not have
        boolean recording = replay && !Kiln.isAnomalyDetectionEnabled();
        Trace trace = new Trace(recording ? GraphBuilder.recording(tree) : new GraphBuilder());
        Tensor[] symbolic = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            symbolic[i] = trace.input("input" + i, inputs[i].type());
        }
        Map<Tensor, Tensor> finalGrads = new IdentityHashMap<>(8);
        Map<Tensor, Boolean> gradWasNull = new IdentityHashMap<>(8);
        Tensor out;
        try (var active = trace.activate(); var grad = Kiln.enableGrad()) {
            out = fn.apply(symbolic);
            if (out == null) {
                throw new KilnException("the compiled function returned null; return a tensor (for example the loss)");
            }
            for (Tensor t : trace.gradChanges()) {
                finalGrads.put(t, t.grad());
            }
        } finally {
            trace.restoreGrads();
        }
        for (Tensor t : trace.initialGradReads()) {
            gradWasNull.put(t, t.grad() == null);
        }
        GraphBuilder b = trace.builder();
        List<Node> outputs = new ArrayList<>(64);
        outputs.add(trace.nodeOf(out));
        List<Tensor> writeTargets = new ArrayList<>(32);
        trace.forEachWrite((t, n) -> {
            writeTargets.add(t);
            outputs.add(n);
        });
        Map<Tensor, Object> gradEffects = new LinkedHashMap<>();
        for (Tensor t : trace.gradChanges()) {
            Tensor g = finalGrads.get(t);
            if (g == null) {
                gradEffects.put(t, null);
            } else if (g.isSymbolic()) {
                gradEffects.put(t, outputs.size());
                outputs.add(trace.nodeOf(g));
            } else {
                gradEffects.put(t, g);
            }
        }
        TraceTree.Step end = recording ? b.end() : null;
        Ending ending = end != null && end.attachment() instanceof Ending e && e.outputs.equals(outputs) ? e : null;
        if (ending == null) {
            Graph graph = b.build(outputs);
            ending = new Ending(List.copyOf(outputs), graph, graph.fingerprint(), graph.inputs());
            if (end != null) {
                // the latest graph that ended here is kept (a different one ending at the same step is rare)
                end.attach(ending);
                ends.computeIfAbsent(ending.key, k -> new ArrayList<>()).add(end);
            }
        }
        // Input slots are numbered from 0 as the trace made them: slot k is the graph's k-th input.
        Object[] bindings = new Object[ending.inputs.size()];
        for (int i = 0; i < inputs.length; i++) {
            bindings[slot(symbolic[i].node())] = i;
        }
        for (Tensor t : trace.capturedTensors()) {
            bindings[slot(trace.nodeOfCaptured(t))] = t;
        }
        return new Traced(ending.graph, ending.key, Arrays.asList(bindings), writeTargets, gradEffects, gradWasNull,
                trace.generatorUses(), trace.gradientRanges());
    }

    private static int slot(Node input) {
        return ((Leaf.Input) input.op()).slot();
    }

    /**
     * A trace with its executable: binds, runs, then writes back. What a call walks is flattened
     * into arrays once (a static step's fixed cost is a few hundred nanoseconds; lists and map
     * iterators were a visible part of it).
     */
    private static final class Plan {
        final Traced traced;
        final Executable exe;
        /** The bound inputs, refilled on every call (a compiled function is used by one thread at a time). */
        private final List<TensorData> in;
        /** Per input slot: the call argument it takes, or -1 for {@link #captured}'s tensor (built on first run). */
        private int[] argument;
        private Tensor[] captured;
        private Trace.GeneratorUse[] generators;
        private Tensor[] writeTargets;
        /** Per gradient effect: the tensor, and null to clear, an output index (Integer), or a tensor to set. */
        private Tensor[] effectTensors;
        private Object[] effects;

        Plan(Traced traced, Executable exe) {
            this.traced = traced;
            this.exe = exe;
            this.in = new ArrayList<>(traced.bindings.size());
        }

        /** The trace's bindings and effects as arrays, once (not in {@code prepare}, which only looks the plan up). */
        private void flatten() {
            int n = traced.bindings.size();
            argument = new int[n];
            captured = new Tensor[n];
            for (int k = 0; k < n; k++) {
                Object b = traced.bindings.get(k);
                argument[k] = b instanceof Integer i ? i : -1;
                captured[k] = b instanceof Tensor t ? t : null;
            }
            generators = traced.generators.toArray(new Trace.GeneratorUse[0]);
            writeTargets = traced.writeTargets.toArray(new Tensor[0]);
            effectTensors = traced.gradEffects.keySet().toArray(new Tensor[0]);
            effects = traced.gradEffects.values().toArray();
        }

        boolean guardsHold() {
            return traced.guardsHold();
        }

        Tensor run(Tensor[] inputs) {
            if (argument == null) {
                flatten();
            }
            for (Trace.GeneratorUse g : generators) {
                g.bind();
            }
            in.clear();
            for (int k = 0; k < argument.length; k++) {
                Tensor t = argument[k] >= 0 ? inputs[argument[k]] : captured[k];
                if (t == null) {
                    throw new IllegalStateException("unbound input in a compiled plan");
                }
                in.add(t.contiguous().data());
            }
            List<TensorData> out = exe.run(in);
            in.clear(); // nothing of this call's inputs is kept alive by the plan
            // Everything has been computed; only now is anything written.
            for (Trace.GeneratorUse g : generators) {
                g.advance();
            }
            for (int i = 0; i < writeTargets.length; i++) {
                TensorData target = writeTargets[i].data();
                target.copyFrom(out.get(1 + i));
                target.storage().bumpVersion();
            }
            for (int e = 0; e < effects.length; e++) {
                Tensor t = effectTensors[e];
                Object effect = effects[e];
                if (effect == null) {
                    t.clearGrad();
                } else if (effect instanceof Integer i) {
                    TensorData value = out.get(i);
                    Tensor g = t.grad();
                    if (g != null && g.shape().equals(value.shape()) && g.dtype() == value.dtype() && g.isContiguous()) {
                        g.data().copyFrom(value);
                        g.data().storage().bumpVersion();
                    } else {
                        t.setGrad(Tensor.wrap(value));
                    }
                } else {
                    t.setGrad((Tensor) effect);
                }
            }
            // The plan's buffers are reused by the next call: hand the caller its own copy.
            TensorData value = out.get(0);
            // a dense output's layout (immutable) is shared by the copy
            TensorData result = value.layout().offset() == 0 && value.layout().isContiguous()
                    ? new TensorData(Storage.allocate(value.dtype(), value.shape().numel()), value.layout())
                    : TensorData.allocate(value.shape(), value.dtype());
            result.copyFrom(value);
            return Tensor.wrap(result);
        }
    }
}
