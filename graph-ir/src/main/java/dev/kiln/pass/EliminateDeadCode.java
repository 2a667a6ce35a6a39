package dev.kiln.pass;

import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Drops nodes no output depends on. Inputs stay, so the graph's calling convention does not change. */
public final class EliminateDeadCode implements Pass {
    @Override
    public String name() {
        return "dead-code";
    }

    @Override
    public Graph apply(Graph g) {
        Set<Node> live = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> stack = new ArrayList<>(g.outputs());
        live.addAll(g.outputs());
        while (!stack.isEmpty()) {
            for (Node in : stack.removeLast().inputs()) {
                if (live.add(in)) {
                    stack.add(in);
                }
            }
        }
        GraphBuilder b = new GraphBuilder();
        Map<Node, Node> map = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            if (!live.contains(n) && !(n.op() instanceof Leaf.Input)) {
                continue;
            }
            Node[] ins = new Node[n.inputs().size()];
            for (int i = 0; i < ins.length; i++) {
                ins[i] = map.get(n.input(i));
            }
            map.put(n, b.add(n.op(), ins));
        }
        return b.build(g.outputs().stream().map(map::get).toList());
    }
}
