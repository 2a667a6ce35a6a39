package dev.kiln.ir;

import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** Checks a graph's invariants; passes run it after each step when checks are on (always under test). */
public final class Verifier {
    private Verifier() {
    }

    /** Throws {@link IllegalStateException} naming {@code stage} and the offending node. */
    public static Graph verify(Graph g, String stage) {
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Integer> slots = new HashSet<>();
        for (Node n : g.nodes()) {
            if (seen.contains(n)) {
                fail(stage, n, "appears twice");
            }
            if (n.inputs().size() != n.op().arity()) {
                fail(stage, n, "has " + n.inputs().size() + " inputs, its op takes " + n.op().arity());
            }
            for (Node in : n.inputs()) {
                if (!seen.contains(in)) {
                    fail(stage, n, "uses " + in + " before it is defined");
                }
            }
            TensorType expected;
            try {
                expected = n.op().infer(n.inputs().stream().map(Node::type).toList());
            } catch (RuntimeException e) {
                throw new IllegalStateException("after " + stage + ": " + n + " is ill-typed: " + e.getMessage(), e);
            }
            if (!expected.equals(n.type())) {
                fail(stage, n, "has type " + n.type() + " but its op gives " + expected);
            }
            if (n.op() instanceof Leaf.Input in && !slots.add(in.slot())) {
                fail(stage, n, "reuses input slot " + in.slot());
            }
            seen.add(n);
        }
        List<Node> outs = g.outputs();
        for (Node o : outs) {
            if (!seen.contains(o)) {
                fail(stage, o, "is an output but not in the graph");
            }
        }
        return g;
    }

    private static void fail(String stage, Node n, String what) {
        throw new IllegalStateException("after " + stage + ": " + n + " " + what);
    }
}
