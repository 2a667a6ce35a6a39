package dev.kiln.ir;

import dev.kiln.DType;
import dev.kiln.Shape;
import java.util.List;

/**
 * One value in a graph: an op applied to earlier nodes. Immutable and interned by its builder,
 * so two nodes with the same op and the same inputs are the same object (CSE for free).
 */
public final class Node {
    private final int id;
    private final Op op;
    private final List<Node> inputs;
    private final TensorType type;
    private final String site;
    final GraphBuilder owner;

    Node(GraphBuilder owner, int id, Op op, List<Node> inputs, TensorType type, String site) {
        this.owner = owner;
        this.id = id;
        this.op = op;
        this.inputs = inputs;
        this.type = type;
        this.site = site;
    }

    /** Position in the builder that created it; stable within one graph and its extensions. */
    public int id() {
        return id;
    }

    public Op op() {
        return op;
    }

    public List<Node> inputs() {
        return inputs;
    }

    public Node input(int i) {
        return inputs.get(i);
    }

    public TensorType type() {
        return type;
    }

    public Shape shape() {
        return type.shape();
    }

    public DType dtype() {
        return type.dtype();
    }

    /** The user's source line that created this node, recorded only in anomaly mode; else null. */
    public String site() {
        return site;
    }

    /** Identity equality; the hash is the position, cheap and stable within a graph. */
    @Override
    public int hashCode() {
        return id;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public String toString() {
        return "%" + id + " = " + op.name() + " : " + type;
    }
}
