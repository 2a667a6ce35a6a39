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

    /**
     * A fingerprint of the graph's structure — ops, wiring, shapes and dtypes, not data — as two
     * independent 64-bit hashes and the node count: equal for graphs with the same text form.
     * Cheap enough to compute on every call of a dynamic compiled function.
     */
    public Fingerprint fingerprint() {
        // Node ids are positions in the builder that made the graph (extensions keep them), so they
        // identify wiring without a map.
        long h1 = 0x9E3779B97F4A7C15L;
        long h2 = 0xC2B2AE3D27D4EB4FL;
        for (Node n : nodes) {
            long v = n.op().structuralHash() * 0xFF51AFD7ED558CCDL + n.type().hashCode() * 31L + n.id();
            for (Node in : n.inputs()) {
                v = v * 1_000_003L + in.id();
            }
            h1 = Long.rotateLeft(h1 ^ v, 27) * 0x9E3779B97F4A7C15L;
            h2 = (h2 + v) * 0xC4CEB9FE1A85EC53L ^ (h2 >>> 29);
        }
        for (Node o : outputs) {
            h1 = Long.rotateLeft(h1 ^ o.id(), 31) * 0x9E3779B97F4A7C15L;
            h2 = (h2 + o.id()) * 0xC4CEB9FE1A85EC53L ^ (h2 >>> 29);
        }
        return new Fingerprint(h1, h2, nodes.size());
    }

    /** See {@link #fingerprint()}. */
    public record Fingerprint(long h1, long h2, int nodes) {
    }

    /** The stable one-line-per-node text form. */
    @Override
    public String toString() {
        return GraphText.print(this);
    }
}
