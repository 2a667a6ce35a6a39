package dev.kiln;

import dev.kiln.internal.Tracing;
import dev.kiln.spi.Storage;
import dev.kiln.spi.Layout;
import dev.kiln.spi.TensorData;

import dev.kiln.autodiff.Autodiff;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records ops on symbolic tensors into a graph instead of running them. A concrete tensor that
 * meets a symbolic one becomes an input of the graph, keyed by identity (so the same parameter is
 * one input however often it is used); Java scalars become constants.
 *
 * <p>While a trace is {@linkplain #activate() active} on a thread (as when {@code Kiln.compile}
 * traces a step) every op is recorded, even on concrete tensors, and side effects are
 * functionalized: an in-place write to a concrete tensor becomes "its value is now this node"
 * (written back after the compiled step runs), and gradient fields that change are remembered,
 * reported as outputs and restored, so tracing itself changes nothing.
 */
final class Trace {
    private static final ThreadLocal<Trace> ACTIVE = new ThreadLocal<>();
    /**
     * Traces active on any thread. While there is none, {@link #active} answers without a thread-local
     * lookup: a compiled call clearing four gradients paid for four of them.
     */
    private static final java.util.concurrent.atomic.AtomicInteger ACTIVE_ANYWHERE = new java.util.concurrent.atomic.AtomicInteger();

    static {
        Tracing.install(new Tracing.Hooks() {
            @Override
            public List<Tensor> memoize(Object key, List<Tensor> reads, java.util.function.Supplier<List<Tensor>> compute) {
                return Trace.memoize(key, reads, compute);
            }

            @Override
            public void assign(Tensor target, Tensor value) {
                Trace.assign(target, value);
            }

            @Override
            public Tensor compute(dev.kiln.ir.Op op, Tensor... inputs) {
                return Dispatch.compute(op, inputs);
            }

            @Override
            public boolean tracing(List<Tensor> tensors) {
                return Trace.tracing(tensors);
            }

            @Override
            public dev.kiln.ir.Graph trace(java.util.function.Function<List<Tensor>, Tensor> f, List<TensorType> types,
                    Map<Node, Tensor> capturedOut) {
                return trace(f, types, null, capturedOut::put);
            }

            @Override
            public dev.kiln.ir.Graph trace(java.util.function.Function<List<Tensor>, Tensor> f, List<TensorType> types,
                    java.util.function.Supplier<String> sites, java.util.function.BiConsumer<dev.kiln.ir.Node, Tensor> captured) {
                Trace trace = new Trace(new GraphBuilder());
                if (sites != null) {
                    trace.builder().recordSites(sites);
                }
                List<Tensor> inputs = new ArrayList<>();
                for (int i = 0; i < types.size(); i++) {
                    inputs.add(trace.input("x" + i, types.get(i)));
                }
                Tensor out;
                try (var active = trace.activate()) {
                    out = f.apply(inputs);
                }
                dev.kiln.ir.Graph g = trace.builder().build(trace.nodeOf(out));
                if (captured != null) {
                    trace.captured().forEach(captured);
                }
                return g;
            }

            @Override
            public boolean active() {
                return Trace.active() != null;
            }

            @Override
            public void guard(Object owner, Tracing.Guard guard) {
                Trace t = ACTIVE.get();
                if (t != null && !t.guarded.containsKey(owner)) {
                    t.guarded.put(owner, guard);
                    t.guards.add(guard);
                }
            }

            @Override
            public void convert(Tensor t, DType dtype, Device device) {
                Trace.convert(t, dtype, device);
            }
        });
    }

    private final GraphBuilder builder;
    private final Map<Tensor, Node> captured = new IdentityHashMap<>(32);
    private final List<Tensor> capturedOrder = new ArrayList<>(32);
    private final Map<Tensor, Node> written = new IdentityHashMap<>(16);
    private final Map<Tensor, Tensor> gradsBefore = new IdentityHashMap<>(8);
    private final List<Tensor> gradOrder = new ArrayList<>();
    /** Guards by owner (a module whose mode was read), and in the order first read. */
    private final Map<Object, Tracing.Guard> guarded = new IdentityHashMap<>(4);
    private final List<Tracing.Guard> guards = new ArrayList<>(4);

    /** The device of the tensors the trace read (scalars aside), or null before it read one. */
    private Device device;

    Trace(GraphBuilder builder) {
        this.builder = builder;
        if (Kiln.isAnomalyDetectionEnabled()) {
            builder.recordSites(KilnException::userSite); // the IR reads no front-end state: told here
        }
    }

    GraphBuilder builder() {
        return builder;
    }

    /** The device the traced graph runs on: that of the tensors it reads, else the thread's default device. */
    Device device() {
        return device != null ? device : Kiln.defaultDevice();
    }

    /**
     * Notes the device of a tensor the trace reads; one on another device than those read before
     * fails as a mixed-device op does eagerly. A scalar goes with any device.
     */
    void noteDevice(Tensor t) {
        if (t.joinsAnyDevice()) {
            return;
        }
        Device d = t.device();
        if (device == null) {
            device = d;
        } else if (!device.equals(d)) {
            throw Dispatch.mixed("a compiled function", device, d);
        }
    }

    /** The trace active on this thread, or null. */
    static Trace active() {
        return ACTIVE_ANYWHERE.get() == 0 ? null : ACTIVE.get();
    }

    /** Makes this the active trace of the calling thread until the scope closes. */
    Kiln.Scope activate() {
        Trace before = ACTIVE.get();
        ACTIVE_ANYWHERE.incrementAndGet();
        ACTIVE.set(this);
        return () -> {
            ACTIVE.set(before);
            ACTIVE_ANYWHERE.decrementAndGet();
        };
    }

    /** A new explicit input of the graph, as a symbolic tensor. */
    Tensor input(String label, TensorType type) {
        return symbolic(builder.input(label, type));
    }

    /** A symbolic tensor standing for {@code node} of this trace's graph. */
    Tensor symbolic(Node node) {
        if (!builder.contains(node)) {
            throw new IllegalArgumentException(node + " is not in this trace's graph");
        }
        return Tensor.symbolic(node, this);
    }

    /** The node of a tensor in this trace: its own node, its latest in-trace value, or a new input (a constant for a Java scalar). */
    Node nodeOf(Tensor t) {
        if (t.isSymbolic()) {
            if (t.trace().builder != builder) {
                throw new KilnException("a symbolic tensor from another trace was used here; tensors of one trace"
                        + " cannot flow into another");
            }
            return t.node();
        }
        Node known = t.tracedNode(this);
        if (known != null) {
            return known;
        }
        Node w = written.get(t);
        if (w != null) {
            return w;
        }
        Double literal = t.literal();
        if (literal != null) {
            return builder.add(new Leaf.Constant(literal, t.dtype()));
        }
        return capture(t);
    }

    private Node capture(Tensor t) {
        Node n = captured.get(t);
        if (n == null) {
            noteDevice(t);
            n = builder.input("captured", t.type());
            captured.put(t, n);
            capturedOrder.add(t);
            t.noteTraced(this, n);
        }
        return n;
    }

    /** The input node of a captured tensor (one of {@link #capturedTensors()}). */
    Node nodeOfCaptured(Tensor t) {
        return captured.get(t);
    }

    /** A Java scalar in a traced op: a constant node, promoting as a weak scalar. */
    Tensor constant(double value, DType dtype) {
        Tensor c = symbolic(builder.add(new Leaf.Constant(value, dtype)));
        c.markLiteral(value);
        return c;
    }

    /**
     * Library code whose tensor results depend only on the values of {@code reads} and on
     * {@code key} (which must say everything else it depends on, such as options): run as is when
     * no trace is active; while tracing, the reads are turned into nodes first and the computation
     * is replayed when an earlier trace made the same call with the same nodes (see
     * {@link GraphBuilder#memo}). A computation that turns out to read other tensors, write, change
     * gradients, draw or read a module's mode is never replayed.
     */
    static List<Tensor> memoize(Object key, List<Tensor> reads, java.util.function.Supplier<List<Tensor>> compute) {
        Trace t = Dispatch.traceOf(reads.toArray(new Tensor[0]));
        return t == null ? compute.get() : t.memo(key, reads, compute);
    }

    private long drawnWords() {
        long words = 0;
        for (GeneratorUse g : generators.values()) {
            words += g.words + 1; // + 1: a generator first used inside counts too
        }
        return words;
    }

    /**
     * {@code target.copy_(value)} for library code that writes many results while tracing (an
     * optimizer's parameters and state): when a trace is active, the target is a whole concrete
     * tensor and the value has its shape and dtype, the write is recorded directly, skipping the
     * general in-place checks that cannot fail then; otherwise it is {@code copy_}.
     */
    static void assign(Tensor target, Tensor value) {
        Trace t = value.isSymbolic() ? value.trace() : active();
        if (t == null || target.isSymbolic() || target.isView() || !target.shape().equals(value.shape())
                || target.dtype() != value.dtype() || Kiln.isGradEnabled() && target.requiresGrad()) {
            target.copy_(value);
            return;
        }
        t.write(target, t.nodeOf(value));
    }

    /** See {@link Tracing#convert}: the conversion runs outside the active trace. */
    static void convert(Tensor target, DType dtype, Device device) {
        Trace t = ACTIVE.get();
        if (t != null && target.tracedNode(t) != null) {
            throw new KilnException("a " + target.dtype() + " tensor on " + target.device() + " the compiled function has"
                    + " already read cannot be converted to " + dtype + " on " + device + " inside it (optimizer state"
                    + " follows its parameter's dtype and device: read it after the step, or run one step before compiling)");
        }
        ACTIVE.set(null);
        try (var noGrad = Kiln.noGrad()) {
            target.set_(target.detach().to(device).to(dtype));
        } finally {
            ACTIVE.set(t);
        }
    }

    /** Guards the trace read (module modes), in the order first read. */
    List<Tracing.Guard> guards() {
        return Collections.unmodifiableList(guards);
    }

    /** Whether ops on these tensors would be traced (a trace is active, or one of them is symbolic). */
    static boolean tracing(List<Tensor> tensors) {
        for (Tensor t : tensors) {
            if (t.isSymbolic()) {
                return true;
            }
        }
        return active() != null;
    }

    private record MemoKey(Object key, List<Node> reads) {
    }

    private List<Tensor> memo(Object key, List<Tensor> reads, java.util.function.Supplier<List<Tensor>> compute) {
        Node[] in = new Node[reads.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = nodeOf(reads.get(i));
        }
        int captures = capturedOrder.size();
        int writes = written.size();
        int grads = gradOrder.size();
        int guardCount = guards.size();
        long draws = drawnWords();
        List<Node> out = builder.memo(new MemoKey(key, Arrays.asList(in)), () -> {
            List<Tensor> result = compute.get();
            Node[] nodes = new Node[result.size()];
            for (int i = 0; i < nodes.length; i++) {
                nodes[i] = nodeOf(result.get(i));
            }
            return Arrays.asList(nodes);
        }, () -> capturedOrder.size() == captures && written.size() == writes && gradOrder.size() == grads
                && drawnWords() == draws && guards.size() == guardCount);
        Tensor[] symbolic = new Tensor[out.size()];
        for (int i = 0; i < symbolic.length; i++) {
            symbolic[i] = symbolic(out.get(i));
        }
        return Arrays.asList(symbolic);
    }

    /** Whether the trace has written {@code t} in place (so its value is a node, not its storage). */
    boolean wrote(Tensor t) {
        return written.containsKey(t);
    }

    /** Functionalizes an in-place write: from now on {@code target} reads as {@code value}. */
    void write(Tensor target, Node value) {
        capture(target);
        written.put(target, value);
        target.noteTraced(this, value);
    }

    private final java.util.Set<Tensor> initialGradRead = java.util.Collections.newSetFromMap(new IdentityHashMap<>(8));

    /** Notes that the trace read a gradient field's value from before the trace (so plans must guard on it). */
    void noteInitialGradRead(Tensor t) {
        if (!gradsBefore.containsKey(t)) {
            initialGradRead.add(t);
        }
    }

    /** Tensors whose gradient from before the trace was read (accumulated into). */
    java.util.Set<Tensor> initialGradReads() {
        return Collections.unmodifiableSet(initialGradRead);
    }

    /** Remembers a gradient field before its first change, to report and restore it. */
    void noteGradChange(Tensor t) {
        if (!gradsBefore.containsKey(t)) {
            gradsBefore.put(t, t.grad());
            gradOrder.add(t);
        }
    }

    /** Backward of a symbolic scalar: gradients w.r.t. every captured leaf that requires grad, accumulated into its grad field. */
    void backward(Tensor output, Tensor gradient) {
        if (gradient == null && output.numel() != 1) {
            throw new KilnException("backward: the output has shape " + output.shape()
                    + "; a gradient can only be implied for a one-element output");
        }
        List<Tensor> leaves = new ArrayList<>();
        List<Node> wrt = new ArrayList<>();
        for (Tensor t : capturedOrder) {
            if (t.requiresGrad() && t.isLeaf()) {
                leaves.add(t);
                wrt.add(captured.get(t));
            }
        }
        Node seed = gradient == null
                ? builder.add(new dev.kiln.ir.Movement.Reshape(output.shape()),
                        builder.add(new Leaf.Constant(1, output.dtype())))
                : nodeOf(gradient);
        int before = builder.nodes().size();
        // Differentiation depends only on the graph so far and these nodes: a recording builder
        // replays it when an earlier trace got here the same way.
        Node out = output.node();
        Autodiff.Gradients g = builder.memo(new BackwardKey(out, List.copyOf(wrt), seed),
                () -> Autodiff.gradients(builder, out, wrt, seed));
        gradientRanges.add(new int[] {before, builder.nodes().size()});
        g.captured().forEach((node, tensor) -> {
            captured.putIfAbsent(tensor, node);
            if (!capturedOrder.contains(tensor)) {
                capturedOrder.add(tensor);
            }
        });
        for (int i = 0; i < leaves.size(); i++) {
            Node gn = g.grads().get(i);
            if (gn != null) {
                leaves.get(i).accumulateGrad(symbolic(gn));
            }
        }
    }

    private record BackwardKey(Node output, List<Node> wrt, Node seed) {
    }

    /** A generator used while tracing: its seed and offset as input tensors, and the words drawn so far. */
    static final class GeneratorUse {
        final Generator generator;
        final Tensor seed;
        final Tensor offset;
        long words;

        GeneratorUse(Generator g) {
            this.generator = g;
            // made directly, not by ops: ops would be traced
            this.seed = Tensor.wrap(new TensorData(new Storage.I64(new long[] {g.seed()}), Layout.contiguous(Shape.scalar())));
            this.offset = Tensor.wrap(new TensorData(new Storage.I64(new long[] {g.offset()}), Layout.contiguous(Shape.scalar())));
        }

        /** Before a compiled call: the inputs take the generator's current state. */
        void bind() {
            set(seed, generator.seed());
            set(offset, generator.offset());
        }

        private static void set(Tensor t, long v) {
            t.data().storage().setLong(t.data().layout().offset(), v); // exact for any long, unlike fill_(double)
            t.data().storage().bumpVersion();
        }

        /** After a compiled call: the generator moves past what the call drew. */
        void advance() {
            generator.reserve(words);
        }
    }

    private final Map<Generator, GeneratorUse> generators = new LinkedHashMap<>();
    private final List<int[]> gradientRanges = new ArrayList<>();

    /** Node positions {@code [from, to)} that each backward() added (the gradient graphs). */
    List<int[]> gradientRanges() {
        return List.copyOf(gradientRanges);
    }

    /** A random draw while tracing: its counter offset is an input, so each call draws anew (as eager code would). */
    Tensor draw(Generator g, Leaf.Distribution distribution, TensorType type) {
        GeneratorUse use = generators.computeIfAbsent(g, GeneratorUse::new);
        long start = use.words;
        use.words += (2L * type.shape().numelLong() + 3) & ~3L; // as Generator.reserve rounds each draw
        Node offset = builder.add(new dev.kiln.ir.Binary.Add(), nodeOf(use.offset),
                builder.add(new Leaf.Constant(start, DType.INT64)));
        return symbolic(builder.add(new dev.kiln.ir.Draw(distribution, type), nodeOf(use.seed), offset));
    }

    /** Generators the trace drew from. */
    List<GeneratorUse> generatorUses() {
        return List.copyOf(generators.values());
    }

    /** Concrete tensors the graph reads, in input-slot order of first use. */
    List<Tensor> capturedTensors() {
        return Collections.unmodifiableList(capturedOrder);
    }

    /** The concrete tensors captured as inputs, by their input node. */
    Map<Node, Tensor> captured() {
        Map<Node, Tensor> byNode = new IdentityHashMap<>();
        captured.forEach((t, n) -> byNode.put(n, t));
        return Collections.unmodifiableMap(byNode);
    }

    /** Each concrete tensor written in place during the trace, with its final value node, in order of capture. */
    void forEachWrite(java.util.function.BiConsumer<Tensor, Node> action) {
        for (int i = 0, n = capturedOrder.size(); i < n; i++) {
            Tensor t = capturedOrder.get(i);
            Node w = written.get(t);
            if (w != null) {
                action.accept(t, w);
            }
        }
    }

    /** {@link #forEachWrite} as a map. */
    Map<Tensor, Node> writes() {
        Map<Tensor, Node> out = new LinkedHashMap<>();
        forEachWrite(out::put);
        return out;
    }

    /** Tensors whose gradient field changed during the trace, in order. */
    List<Tensor> gradChanges() {
        return Collections.unmodifiableList(gradOrder);
    }

    /** Puts every changed gradient field back as it was before the trace. */
    void restoreGrads() {
        gradsBefore.forEach(Tensor::restoreGrad);
    }
}
