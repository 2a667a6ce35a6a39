package dev.kiln;

import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Records ops on symbolic tensors into a graph instead of running them. A concrete tensor that
 * meets a symbolic one becomes an input of the graph, keyed by identity (so the same parameter is
 * one input however often it is used); Java scalars become constants. Custom functions' backward
 * passes are traced this way into gradient graphs, and {@code Kiln.compile} will trace whole steps.
 */
public final class Trace {
    private final GraphBuilder builder;
    private final Map<Tensor, Node> captured = new IdentityHashMap<>();

    public Trace(GraphBuilder builder) {
        this.builder = builder;
    }

    public GraphBuilder builder() {
        return builder;
    }

    /** A symbolic tensor standing for {@code node} of this trace's graph. */
    public Tensor symbolic(Node node) {
        if (!builder.contains(node)) {
            throw new IllegalArgumentException(node + " is not in this trace's graph");
        }
        return Tensor.symbolic(node, this);
    }

    /** The node of a tensor in this trace: its own node, or an input (a constant for a Java scalar) for a concrete one. */
    Node nodeOf(Tensor t) {
        if (t.isSymbolic()) {
            if (t.trace() != this) {
                throw new KilnException("a symbolic tensor from another trace was used here; tensors of one trace"
                        + " cannot flow into another");
            }
            return t.node();
        }
        Double literal = t.literal();
        if (literal != null) {
            return builder.add(new Leaf.Constant(literal, t.dtype()));
        }
        return captured.computeIfAbsent(t, c -> builder.input("captured", c.type()));
    }

    /** The concrete tensors captured as inputs, by their input node. */
    public Map<Node, Tensor> captured() {
        Map<Node, Tensor> byNode = new IdentityHashMap<>();
        captured.forEach((t, n) -> byNode.put(n, t));
        return Collections.unmodifiableMap(byNode);
    }
}
