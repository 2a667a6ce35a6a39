package dev.kiln.pass;

import dev.kiln.ir.Binary;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.Semantics;
import dev.kiln.ir.Unary;

/**
 * Evaluates elementwise ops whose inputs are all constants (0-d, or a 0-d constant broadcast),
 * with the reference semantics, so {@code 2.0 * 3.0} becomes {@code 6.0} and
 * {@code expand(2) * expand(3)} becomes {@code expand(6)}.
 */
public final class FoldConstants implements Pass {
    @Override
    public String name() {
        return "fold-constants";
    }

    @Override
    public Graph apply(Graph g) {
        return Rewriter.rewrite(g, FoldConstants::fold);
    }

    private static Node fold(Ops o, Node old, Node[] in) {
        Double value = switch (old.op()) {
            case Unary u when old.dtype().isFloating() -> ifConstant(in, v -> Semantics.apply(u, v[0]));
            case Binary b when old.dtype().isFloating() -> ifConstant(in, v -> Semantics.apply(b, v[0], v[1]));
            case Compare c when in[0].dtype().isFloating() -> ifConstant(in, v -> Semantics.compare(c, v[0], v[1]) ? 1.0 : 0.0);
            case Cast c when !c.to().isIntegral() || c.to() == dev.kiln.DType.BOOL -> ifConstant(in, v -> v[0]);
            default -> null;
        };
        if (value == null) {
            return Rewriter.same(o, old, in);
        }
        // Round through the result dtype, as storing it would.
        double v = old.dtype() == dev.kiln.DType.FLOAT32 ? (float) (double) value
                : old.dtype() == dev.kiln.DType.BOOL ? (value != 0 ? 1 : 0) : value;
        return o.expand(o.constant(v, old.dtype()), old.shape());
    }

    private static Double ifConstant(Node[] in, java.util.function.Function<double[], Double> f) {
        double[] v = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            Double c = constantValue(in[i]);
            if (c == null) {
                return null;
            }
            v[i] = c;
        }
        return f.apply(v);
    }

    /** The value of a 0-d constant, or of any view (broadcast, reshape) of one; null otherwise. */
    static Double constantValue(Node n) {
        if (n.op() instanceof Leaf.Constant c) {
            return c.value();
        }
        if (n.op() instanceof Movement && !(n.op() instanceof Movement.Unslice)) {
            return constantValue(n.input(0)); // any view of a constant is that constant everywhere
        }
        return null;
    }
}
