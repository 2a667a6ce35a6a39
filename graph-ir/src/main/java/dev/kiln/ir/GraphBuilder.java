package dev.kiln.ir;

import dev.kiln.KilnException;
import dev.kiln.Kiln;
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

    public GraphBuilder() {
    }

    /** A builder that extends {@code base}: its nodes are kept (same objects) and new ones may reuse them. */
    public GraphBuilder(Graph base) {
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
        List<Node> ins = List.of(inputs);
        Key key = new Key(op, ins);
        Node existing = interned.get(key);
        if (existing != null) {
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
        Node n = new Node(this, nodes.size(), op, ins, type, Kiln.isAnomalyDetectionEnabled() ? KilnException.userSite() : null);
        nodes.add(n);
        interned.put(key, n);
        return n;
    }

    /** A new input with the next free slot. */
    public Node input(String label, TensorType type) {
        return add(new Leaf.Input(nextSlot, label, type));
    }

    public boolean contains(Node n) {
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
