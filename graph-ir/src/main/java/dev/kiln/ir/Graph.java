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
     * The graph's structure as a cache key — ops, types, wiring and outputs, not data — compared
     * node by node for equality (two graphs are equal when their text forms would be); its hash
     * only narrows a search. Made in one pass over the nodes.
     */
    public Structure structure() {
        return new Structure(this);
    }

    /** See {@link #structure()}. */
    public static final class Structure {
        private final Op[] ops;
        private final TensorType[] types;
        /** Per node: its input count, then each input's position. */
        private final int[] wiring;
        private final int[] outputs;
        private final long hash;

        private Structure(Graph g) {
            int n = g.nodes.size();
            ops = new Op[n];
            types = new TensorType[n];
            // Node ids are positions in the builder that made the graph (extensions keep them); a
            // graph whose ids are not its positions is numbered here instead.
            java.util.Map<Node, Integer> position = null;
            for (int i = 0; i < n && position == null; i++) {
                if (g.nodes.get(i).id() != i) {
                    position = new java.util.IdentityHashMap<>();
                    for (int j = 0; j < n; j++) {
                        position.put(g.nodes.get(j), j);
                    }
                }
            }
            int size = n;
            for (Node node : g.nodes) {
                size += node.inputs().size();
            }
            wiring = new int[size];
            long h = 0x2545F4914F6CDD1DL;
            int w = 0;
            for (int i = 0; i < n; i++) {
                Node node = g.nodes.get(i);
                ops[i] = node.op();
                types[i] = node.type();
                h = dev.kiln.cache.KeyHash.mix(h, node.op().structuralHash());
                h = dev.kiln.cache.KeyHash.mix(h, node.type().hashCode());
                wiring[w++] = node.inputs().size();
                for (Node in : node.inputs()) {
                    int p = position == null ? in.id() : position.get(in);
                    wiring[w++] = p;
                    h = dev.kiln.cache.KeyHash.mix(h, p);
                }
            }
            outputs = new int[g.outputs.size()];
            for (int i = 0; i < outputs.length; i++) {
                Node o = g.outputs.get(i);
                outputs[i] = position == null ? o.id() : position.get(o);
                h = dev.kiln.cache.KeyHash.mix(h, outputs[i] + 0x100000000L);
            }
            hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (o == this) {
                return true;
            }
            if (!(o instanceof Structure s) || s.hash != hash || s.ops.length != ops.length
                    || !java.util.Arrays.equals(s.wiring, wiring) || !java.util.Arrays.equals(s.outputs, outputs)) {
                return false;
            }
            for (int i = 0; i < ops.length; i++) {
                if (!types[i].equals(s.types[i]) || !ops[i].sameStructure(s.ops[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return dev.kiln.cache.KeyHash.of(hash);
        }

        /** Node count, for messages. */
        public int nodes() {
            return ops.length;
        }
    }

    /** The stable one-line-per-node text form. */
    @Override
    public String toString() {
        return GraphText.print(this);
    }
}
