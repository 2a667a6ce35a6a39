package dev.kiln.pass;

import dev.kiln.ir.Graph;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Applies rewrite rules to each node until none fires, counting which fired. */
public final class Simplify implements Pass {
    private final List<Rule> rules;
    private final Map<String, Integer> fired = new TreeMap<>();

    public Simplify(List<Rule> rules) {
        this.rules = rules;
    }

    @Override
    public String name() {
        return "simplify";
    }

    @Override
    public Graph apply(Graph g) {
        return Rewriter.rewrite(g, this::simplify);
    }

    /** How often each rule fired so far, by name. */
    public Map<String, Integer> fired() {
        return Map.copyOf(fired);
    }

    private Node simplify(Ops o, Node old, Node[] in) {
        Node n = Rewriter.same(o, old, in);
        for (int round = 0; round < 64; round++) {
            Node next = null;
            for (Rule r : rules) {
                Node candidate = r.rewrite().apply(o, n);
                if (candidate != null && candidate != n && candidate.type().equals(n.type())) {
                    fired.merge(r.name(), 1, Integer::sum);
                    next = candidate;
                    break;
                }
            }
            if (next == null) {
                return n;
            }
            n = next;
        }
        return n;
    }
}
