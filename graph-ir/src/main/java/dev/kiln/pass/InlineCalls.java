package dev.kiln.pass;

import dev.kiln.ir.Call;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Node;

/**
 * Replaces each traced custom-function call by its traced forward, so the forward and the
 * user's backward (already in the gradient graph) fuse like any other ops. Run after autodiff.
 */
public final class InlineCalls implements Pass {
    @Override
    public String name() {
        return "inline-calls";
    }

    @Override
    public Graph apply(Graph g) {
        java.util.Map<Node, Node> rebuilt = new java.util.IdentityHashMap<>();
        return Rewriter.rewrite(g, (ops, old, inputs) -> {
            Node result = old.op() instanceof Call c ? c.invocation().inlinedForward() : null;
            Node replacement = result != null && rebuilt.containsKey(result) ? rebuilt.get(result)
                    : Rewriter.same(ops, old, inputs);
            rebuilt.put(old, replacement);
            return replacement;
        });
    }
}
