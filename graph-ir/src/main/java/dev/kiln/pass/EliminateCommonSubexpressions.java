package dev.kiln.pass;

import dev.kiln.ir.Graph;

/** Merges equal nodes: rebuilding through an interning builder does it. */
public final class EliminateCommonSubexpressions implements Pass {
    @Override
    public String name() {
        return "cse";
    }

    @Override
    public Graph apply(Graph g) {
        return Rewriter.rewrite(g, Rewriter::same);
    }
}
