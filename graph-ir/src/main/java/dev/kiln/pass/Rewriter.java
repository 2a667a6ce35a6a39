package dev.kiln.pass;

import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds a graph node by node into a fresh builder, letting a pass replace each node. Because
 * the builder interns, every rebuild is also common-subexpression elimination.
 */
final class Rewriter {
    /** Produces the new node for {@code old}, whose inputs are already rewritten to {@code inputs}. */
    @FunctionalInterface
    interface NodeRewrite {
        Node rewrite(Ops ops, Node old, Node[] inputs);
    }

    private Rewriter() {
    }

    static Graph rewrite(Graph g, NodeRewrite f) {
        GraphBuilder b = new GraphBuilder();
        Ops ops = new Ops(b);
        Map<Node, Node> map = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            Node[] ins = new Node[n.inputs().size()];
            for (int i = 0; i < ins.length; i++) {
                ins[i] = map.get(n.input(i));
            }
            Node replacement = f.rewrite(ops, n, ins);
            if (!replacement.type().equals(n.type())) {
                throw new IllegalStateException("rewrite of " + n + " changed its type to " + replacement.type());
            }
            map.put(n, replacement);
        }
        List<Node> outs = new ArrayList<>();
        for (Node o : g.outputs()) {
            outs.add(map.get(o));
        }
        return b.build(outs);
    }

    /** The node itself, rebuilt on new inputs. */
    static Node same(Ops ops, Node old, Node[] inputs) {
        return ops.builder().add(old.op(), inputs);
    }
}
