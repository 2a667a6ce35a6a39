package dev.kiln.pass;

import dev.kiln.ir.Graph;
import dev.kiln.ir.Verifier;
import java.util.List;

/** The optimization passes, in order. With checks on, the verifier runs after each and names the pass that broke the graph. */
public final class Pipeline {
    private final List<Pass> passes;
    private final boolean verify;

    public Pipeline(List<Pass> passes, boolean verify) {
        this.passes = List.copyOf(passes);
        this.verify = verify;
    }

    /**
     * Inlining traced custom functions, constant folding, turning transposed products, algebraic simplification,
     * common subexpressions, dead code.
     */
    public static Pipeline standard(boolean verify) {
        return new Pipeline(List.of(
                new InlineCalls(),
                new FoldConstants(),
                new TransposeProducts(),
                new Simplify(AlgebraicRules.RULES),
                new EliminateCommonSubexpressions(),
                new EliminateDeadCode()), verify);
    }

    public List<Pass> passes() {
        return passes;
    }

    public Graph run(Graph g) {
        if (verify) {
            Verifier.verify(g, "input");
        }
        for (Pass p : passes) {
            g = p.apply(g);
            if (verify) {
                Verifier.verify(g, p.name());
            }
        }
        return g;
    }
}
