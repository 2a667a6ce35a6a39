package dev.kiln.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds a graph node by node: infers types as each node is added and interns equal nodes. */
public final class GraphBuilder {
    private record Key(Op op, List<Node> inputs) {
        // Node has identity equality, so List.equals compares inputs by identity.
    }

    private final List<Node> nodes = new ArrayList<>(256);
    private final Map<Key, Node> interned = new HashMap<>(512);
    /** Nodes adopted from a base graph; nodes made here know their owner. */
    private final Set<Node> adopted = Collections.newSetFromMap(new IdentityHashMap<>());
    private int nextSlot;
    /** Recording mode: the tree of earlier traces, the step reached, and whether calls still match it. */
    private final TraceTree tree;
    private TraceTree.Step cursor;
    private boolean replaying;
    private int memoDepth;
    private boolean sawCall;
    /** Where each new node's creation site comes from (the user's line, in anomaly mode), or null for none. */
    private java.util.function.Supplier<String> sites;

    public GraphBuilder() {
        this.tree = null;
    }

    private GraphBuilder(TraceTree tree) {
        this.tree = tree;
        this.cursor = tree.root;
        this.replaying = true;
    }

    /**
     * A builder that replays {@code tree}: while the calls made are those of an earlier trace it
     * returns that trace's nodes (no inference, no interning), and from the first call that differs
     * it builds new nodes on top of the ones replayed so far, recording them as a new branch.
     * Either way {@link #end()} is the step the trace reached, where a result can be attached.
     */
    public static GraphBuilder recording(TraceTree tree) {
        return new GraphBuilder(tree);
    }

    /**
     * Records each new node's creation site from {@code source} (the front end passes the user's
     * source line in anomaly mode); null stops recording. Returns this builder.
     */
    public GraphBuilder recordSites(java.util.function.Supplier<String> source) {
        this.sites = source;
        return this;
    }

    /** Whether every call so far matched an earlier trace (recording builders only). */
    public boolean replaying() {
        return replaying;
    }

    /**
     * The step of the tree this recording builder has reached, or null once the graph holds a
     * custom-function call: such a call (its context is per call) never matches an earlier one,
     * so graphs with calls are not recorded, and the tree does not grow on every trace.
     */
    public TraceTree.Step end() {
        if (tree == null) {
            throw new IllegalStateException("not a recording builder");
        }
        return sawCall ? null : cursor;
    }

    /**
     * {@code compute.get()}, remembered in a recording builder under {@code key}: when an earlier
     * trace reached the same step and computed with an equal key, its value and the nodes it added
     * are reused. {@code compute} must depend only on the key and the graph built so far (as
     * reverse-mode differentiation does); graphs with custom-function calls, whose backward is
     * user code, always compute.
     */
    public <T> T memo(Object key, java.util.function.Supplier<T> compute) {
        return memo(key, compute, () -> true);
    }

    /**
     * As {@link #memo(Object, java.util.function.Supplier)}; {@code replayable}, asked after a
     * computation, says whether it may be replayed. When it may not (it had effects a replay would
     * skip), this trace stops recording, so later traces always compute there.
     */
    @SuppressWarnings("unchecked")
    public <T> T memo(Object key, java.util.function.Supplier<T> compute, java.util.function.BooleanSupplier replayable) {
        if (tree == null || sawCall) {
            return compute.get();
        }
        if (replaying) {
            TraceTree.Step s = cursor.matchMemo(key);
            if (s != null) {
                cursor = s;
                for (Node n : s.made) {
                    advance(n);
                }
                return (T) s.memoValue;
            }
            diverge();
        }
        int before = nodes.size();
        memoDepth++;
        T value;
        try {
            value = compute.get();
        } finally {
            memoDepth--;
        }
        if (memoDepth == 0 && !replayable.getAsBoolean()) {
            sawCall = true;
        }
        if (memoDepth == 0 && !sawCall) {
            cursor = tree.appendMemo(cursor, key, value, nodes.subList(before, nodes.size()).toArray(new Node[0]));
        }
        return value;
    }

    /** A replayed node made by an earlier trace: it is this graph's next node. */
    private void advance(Node n) {
        nodes.add(n);
        if (n.op() instanceof Leaf.Input in) {
            nextSlot = Math.max(nextSlot, in.slot() + 1);
        } else if (n.op() instanceof Call) {
            sawCall = true;
        }
    }

    /** The first call that differs from every earlier trace: build for real from here on. */
    private void diverge() {
        replaying = false;
        for (Node n : nodes) {
            interned.putIfAbsent(new Key(n.op(), n.inputs()), n);
        }
    }

    /** A builder that extends {@code base}: its nodes are kept (same objects) and new ones may reuse them. */
    public GraphBuilder(Graph base) {
        this.tree = null;
        for (Node n : base.nodes()) {
            adopt(n);
        }
    }

    private void adopt(Node n) {
        nodes.add(n);
        adopted.add(n);
        interned.putIfAbsent(new Key(n.op(), n.inputs()), n);
        if (n.op() instanceof Leaf.Input in) {
            nextSlot = Math.max(nextSlot, in.slot() + 1);
        }
    }

    /** Adds {@code op(inputs)}, or returns the equal node already here. Type errors name the op and the user's line. */
    public Node add(Op op, Node... inputs) {
        if (inputs.length != op.arity()) {
            throw new IllegalArgumentException(op.name() + " takes " + op.arity() + " inputs, got " + inputs.length);
        }
        if (replaying) {
            TraceTree.Step s = cursor.match(op, inputs);
            if (s != null) {
                cursor = s;
                if (s.fresh) {
                    advance(s.result);
                }
                return s.result;
            }
            diverge();
        }
        List<Node> ins = List.of(inputs);
        Key key = new Key(op, ins);
        Node existing = interned.get(key);
        if (existing != null) {
            if (tree != null && memoDepth == 0 && !sawCall) {
                cursor = tree.append(cursor, op, inputs.clone(), existing, false);
            }
            return existing;
        }
        TensorType[] types = new TensorType[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (!contains(inputs[i])) {
                throw new IllegalArgumentException("input " + inputs[i] + " of " + op.name() + " is not in this graph");
            }
            types[i] = inputs[i].type();
        }
        TensorType type = op.infer(Arrays.asList(types));
        if (op instanceof Leaf.Input in) {
            nextSlot = Math.max(nextSlot, in.slot() + 1);
        }
        Node n = new Node(this, nodes.size(), op, ins, type, sites != null ? sites.get() : null);
        nodes.add(n);
        interned.put(key, n);
        if (op instanceof Call) {
            sawCall = true;
        }
        if (tree != null && memoDepth == 0 && !sawCall) {
            cursor = tree.append(cursor, op, inputs.clone(), n, true);
        }
        return n;
    }

    /** A new input with the next free slot. */
    public Node input(String label, TensorType type) {
        return add(new Leaf.Input(nextSlot, label, type));
    }

    public boolean contains(Node n) {
        if (tree != null) {
            // a recording builder's nodes, replayed or new, sit at the position of their id
            return n.id() < nodes.size() && nodes.get(n.id()) == n;
        }
        return n.owner == this || adopted.contains(n);
    }

    /** Nodes added so far, in topological order. */
    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public Graph build(List<Node> outputs) {
        for (Node o : outputs) {
            if (!contains(o)) {
                throw new IllegalArgumentException("output " + o + " is not in this graph");
            }
        }
        return new Graph(List.copyOf(nodes), List.copyOf(outputs));
    }

    public Graph build(Node... outputs) {
        return build(List.of(outputs));
    }
}
