package dev.kiln.internal;

import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Which module call made each node of a traced forward, for model summaries and graph logs: PyTorch's summaries
 * hook {@code __call__}; Kiln modules are called as plain {@code forward} methods, so each new node's
 * stack is walked and its module frames are matched to the module tree — a child by its class and
 * the call site in its parent (distinct sites, distinct children, in registration order), a
 * {@link Sequential}'s layer by the index it reports. A module called again from the same site in a
 * loop of the user's own counts as one call.
 */
public final class ModuleCalls implements Supplier<String> {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** The number of summaries being traced, on any thread: {@link Sequential} reports its layers only then. */
    private static final java.util.concurrent.atomic.AtomicInteger ACTIVE = new java.util.concurrent.atomic.AtomicInteger();
    private static final ThreadLocal<ModuleCalls> CURRENT = new ThreadLocal<>();

    /** One call of one module: its place in the tree and the type of the last value it made. */
    public static final class Call {
        public final Module module;
        /** The dotted path in the model, "" for the model. */
        public final String name;
        public final Call parent;
        public final int depth;
        /** 1-based, among the parent's calls. */
        public final int index;
        public final List<Call> children = new ArrayList<>();
        final Map<Object, Call> byKey = new HashMap<>();
        final Map<Module, Boolean> used = new IdentityHashMap<>();
        /** The layer a {@link Sequential} is calling now, or -1. */
        int layer = -1;
        /** The index of the first node made after this call began. */
        int firstNode;
        /** The type of the last value made inside the call (its result), or null. */
        public TensorType output;

        Call(Module module, String name, Call parent) {
            this.module = module;
            this.name = name;
            this.parent = parent;
            this.depth = parent == null ? 0 : parent.depth + 1;
            this.index = parent == null ? 0 : parent.children.size() + 1;
        }
    }

    private final Call root;
    private final List<Call> order = new ArrayList<>();
    private final Map<String, Call> byId = new HashMap<>();
    /** Nodes made so far: the site supplier is asked once for each, in order. */
    private int made;

    private ModuleCalls(Module root) {
        this.root = new Call(root, "", null);
        order.add(this.root);
        byId.put("0", this.root);
    }

    private Graph graph;
    private final Map<Node, Tensor> captured = new IdentityHashMap<>();

    /** The calls in the order made, the model's first. */
    public List<Call> calls() {
        return order;
    }

    /** The traced forward: its input is the model's, its captured inputs the parameters and buffers it read. */
    public Graph graph() {
        return graph;
    }

    /** The call that made {@code n} (the model's for the input and nodes made outside any child). */
    public Call callOf(Node n) {
        Call c = n.site() == null ? null : byId.get(n.site());
        return c == null ? root : c;
    }

    /** A module's class name as printed: the user's class for a generated {@code @Model} subclass. */
    public static String typeName(Module m) {
        Class<?> c = m.getClass();
        return c.getSuperclass() != null && c.getSuperclass().isAnnotationPresent(dev.kiln.model.Model.class)
                ? c.getSuperclass().getSimpleName() : c.getSimpleName();
    }

    /** The tensor a captured input node reads, or null. */
    public Tensor capturedBy(Node n) {
        return captured.get(n);
    }

    /** Traces {@code model.forward} on a symbolic input of {@code type}, noting which call made each node. */
    public static ModuleCalls trace(Module model, TensorType type) {
        ModuleCalls calls = new ModuleCalls(model);
        CURRENT.set(calls);
        ACTIVE.incrementAndGet();
        try {
            Graph g = Tracing.trace(xs -> runForward(model, xs.get(0)), List.of(type), calls, calls.captured::put);
            calls.graph = g;
            for (Node n : g.nodes()) {
                Call c = n.site() == null || n.op() instanceof Leaf ? null : calls.byId.get(n.site());
                for (; c != null; c = c.parent) {
                    c.output = n.type(); // the last node made inside a call is its result
                }
            }
            for (Call c : calls.order) {
                if (c.output == null && c.firstNode > 0) {
                    c.output = g.nodes().get(c.firstNode - 1).type(); // made nothing (eval-mode dropout): passed its input on
                }
            }
        } finally {
            ACTIVE.decrementAndGet();
            CURRENT.remove();
        }
        return calls;
    }

    /** The frame every walk stops at: module frames above it are the model's. */
    private static Tensor runForward(Module model, Tensor x) {
        return model.forward(x);
    }

    /** Runs layer {@code i} of {@code seq}, noting it as a call when a summary is being traced on this thread. */
    public static Tensor layer(Sequential seq, int i, Module m, Tensor x) {
        ModuleCalls calls = ACTIVE.get() > 0 ? CURRENT.get() : null;
        if (calls == null) {
            return m.forward(x);
        }
        Call parent = calls.current();
        Call child = parent.module == seq ? calls.child(parent, "#" + i, m) : null;
        int before = parent.layer;
        parent.layer = i;
        try {
            Tensor y = m.forward(x);
            if (child != null) {
                child.output = new TensorType(y.shape(), y.dtype());
            }
            return y;
        } finally {
            parent.layer = before;
        }
    }

    /** Notes the module call on the stack, for calls that may make no node (read by {@link Module#isTraining()}). */
    public static void touch() {
        ModuleCalls calls = ACTIVE.get() > 0 ? CURRENT.get() : null;
        if (calls != null) {
            calls.current();
        }
    }

    /** The id of the innermost call on the stack: the site recorded on each new node. */
    @Override
    public String get() {
        made++;
        return Integer.toString(order.indexOf(current()));
    }

    private Call current() {
        List<StackWalker.StackFrame> frames = WALKER.walk(s -> s.takeWhile(f -> !(f.getDeclaringClass() == ModuleCalls.class
                && f.getMethodName().equals("runForward"))).toList());
        Call call = root;
        StackWalker.StackFrame caller = null;
        for (int i = frames.size() - 1; i >= 0; i--) {
            StackWalker.StackFrame f = frames.get(i);
            Class<?> c = f.getDeclaringClass();
            boolean fromLayer = caller != null && caller.getDeclaringClass() == ModuleCalls.class && caller.getMethodName().equals("layer");
            if (caller != null && Module.class.isAssignableFrom(c) && (fromLayer || !c.isInstance(call.module))) {
                Object key = call.module instanceof Sequential && call.layer >= 0 ? "#" + call.layer
                        : caller.getClassName() + "." + caller.getMethodName() + "@" + caller.getByteCodeIndex() + ":" + c.getName();
                Module m = call.module instanceof Sequential s && call.layer >= 0 ? s.get(call.layer) : pick(call, c, key);
                if (m != null) {
                    call = child(call, key, m);
                }
            }
            caller = f;
        }
        return call;
    }

    /** The child of {@code parent}'s module of class {@code c} a new call site reaches: the first not yet called. */
    private static Module pick(Call parent, Class<?> c, Object key) {
        Call known = parent.byKey.get(key);
        if (known != null) {
            return known.module;
        }
        Module first = null;
        for (Module m : parent.module.children()) {
            if (c.isInstance(m)) {
                if (!parent.used.containsKey(m)) {
                    return m;
                }
                first = first == null ? m : first;
            }
        }
        return first;
    }

    private Call child(Call parent, Object key, Module m) {
        Call c = parent.byKey.get(key);
        if (c == null) {
            String name = parent.module.namedChildren().entrySet().stream().filter(e -> e.getValue() == m).map(Map.Entry::getKey)
                    .findFirst().orElse("?");
            c = new Call(m, parent.name.isEmpty() ? name : parent.name + "." + name, parent);
            c.firstNode = made;
            parent.children.add(c);
            parent.byKey.put(key, c);
            parent.used.put(m, true);
            byId.put(Integer.toString(order.size()), c);
            order.add(c);
        }
        return c;
    }
}
