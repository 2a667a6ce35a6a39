package dev.kiln.pass;

import dev.kiln.ir.Axes;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Unary;
import java.util.List;

/**
 * Rewrites as data. All hold bit for bit in float64; {@code pow-three} ({@code x³ → (x·x)·x}, which
 * shares {@code x·x} with {@code x²}) may differ by one float32 ulp from a single rounded power.
 * {@code x * 0 -> 0} is not here: it is false for NaN and infinities.
 */
public final class AlgebraicRules {
    private AlgebraicRules() {
    }

    public static final List<Rule> RULES = List.of(
            new Rule("add-zero", (o, n) -> n.op() instanceof Binary.Add ? (isConst(n.input(1), 0) ? n.input(0)
                    : isConst(n.input(0), 0) ? n.input(1) : null) : null),
            new Rule("sub-zero", (o, n) -> n.op() instanceof Binary.Sub && isConst(n.input(1), 0) ? n.input(0) : null),
            new Rule("mul-one", (o, n) -> n.op() instanceof Binary.Mul ? (isConst(n.input(1), 1) ? n.input(0)
                    : isConst(n.input(0), 1) ? n.input(1) : null) : null),
            new Rule("div-one", (o, n) -> n.op() instanceof Binary.Div && isConst(n.input(1), 1) ? n.input(0) : null),
            new Rule("pow-one", (o, n) -> n.op() instanceof Binary.Pow && isConst(n.input(1), 1) ? n.input(0) : null),
            new Rule("pow-two", (o, n) -> n.op() instanceof Binary.Pow && isConst(n.input(1), 2) && n.dtype().isFloating()
                    ? o.mul(n.input(0), n.input(0)) : null),
            new Rule("pow-three", (o, n) -> n.op() instanceof Binary.Pow && isConst(n.input(1), 3) && n.dtype().isFloating()
                    ? o.mul(o.mul(n.input(0), n.input(0)), n.input(0)) : null),
            new Rule("neg-neg", (o, n) -> n.op() instanceof Unary.Neg && n.input(0).op() instanceof Unary.Neg
                    ? n.input(0).input(0) : null),
            new Rule("reshape-reshape", (o, n) -> n.op() instanceof Movement.Reshape r
                    && n.input(0).op() instanceof Movement.Reshape ? o.reshape(n.input(0).input(0), r.to()) : null),
            new Rule("expand-expand", (o, n) -> n.op() instanceof Movement.Expand e
                    && n.input(0).op() instanceof Movement.Expand ? o.expand(n.input(0).input(0), e.to()) : null),
            new Rule("permute-permute", (o, n) -> n.op() instanceof Movement.Permute p
                    && n.input(0).op() instanceof Movement.Permute q ? o.permute(n.input(0).input(0), compose(q.order(), p.order())) : null),
            new Rule("identity-movement", (o, n) -> n.op() instanceof Movement && !(n.op() instanceof Movement.Unslice)
                    && n.input(0).type().equals(n.type()) && isIdentity((Movement) n.op()) ? n.input(0) : null),
            new Rule("where-constant", (o, n) -> {
                Double c = n.op() instanceof dev.kiln.ir.Where ? FoldConstants.constantValue(n.input(0)) : null;
                return c == null ? null : c != 0 ? n.input(1) : n.input(2);
            }),
            new Rule("identity-cast", (o, n) -> n.op() instanceof Cast && n.input(0).dtype() == n.dtype() ? n.input(0) : null),
            // passes run on graphs already differentiated: a detach is only the identity now
            new Rule("drop-detach", (o, n) -> n.op() instanceof dev.kiln.ir.Detach ? n.input(0) : null));

    private static boolean isConst(Node n, double v) {
        Double c = FoldConstants.constantValue(n);
        return c != null && c == v;
    }

    private static boolean isIdentity(Movement m) {
        return switch (m) {
            case Movement.Reshape r -> true;
            case Movement.Expand e -> true;
            case Movement.Permute p -> p.order().equals(Axes.all(p.order().size()));
            case Movement.Slice s -> s.start() == 0 && s.step() == 1;
            case Movement.Unslice u -> false;
        };
    }

    /** permute(permute(x, first), second) = permute(x, first[second[i]]). */
    private static Axes compose(Axes first, Axes second) {
        int[] out = new int[second.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = first.get(second.get(i));
        }
        return Axes.of(out);
    }
}
