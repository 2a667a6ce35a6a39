package dev.kiln.ir;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** An immutable SSA graph: nodes in topological order, and the outputs. */
public final class Graph {
    private final List<Node> nodes;
    private final List<Node> outputs;

    /** A graph of these nodes; normally made by {@link GraphBuilder#build}. Checked only by {@link Verifier}. */
    Graph(List<Node> nodes, List<Node> outputs) {
        this.nodes = nodes;
        this.outputs = outputs;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<Node> outputs() {
        return outputs;
    }

    /** The {@link Leaf.Input} nodes, by slot. */
    public List<Node> inputs() {
        List<Node> in = new ArrayList<>();
        for (Node n : nodes) {
            if (n.op() instanceof Leaf.Input) {
                in.add(n);
            }
        }
        in.sort(Comparator.comparingInt(n -> ((Leaf.Input) n.op()).slot()));
        return in;
    }

    /** The stable one-line-per-node text form. */
    @Override
    public String toString() {
        return GraphText.print(this);
    }
}
