package dev.kiln.pass;

import dev.kiln.ir.Axes;
import dev.kiln.ir.Graph;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@code transpose(a @ b) → bᵀ @ aᵀ} where the product is read only through that transpose: a linear
 * layer's weight gradient ({@code (xᵀ·dy)ᵀ}) is then written in the weight's own layout, so the optimizer
 * and the gradient's write-back read it row by row instead of down its columns. The operands' transposes
 * are views the GEMM packs from (and {@code permute-permute} folds {@code (xᵀ)ᵀ} away). Each element is
 * the same sum of the same products over k; only products of at least {@value #MIN_ELEMENTS} elements are
 * turned, where the layout matters and the GEMM sums each element over k in the same order either way.
 */
public final class TransposeProducts implements Pass {
    static final int MIN_ELEMENTS = 1 << 16;

    @Override
    public String name() {
        return "transpose-products";
    }

    @Override
    public Graph apply(Graph g) {
        Map<Node, Integer> uses = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            for (Node in : n.inputs()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (Node o : g.outputs()) {
            uses.merge(o, 1, Integer::sum);
        }
        return Rewriter.rewrite(g, (ops, old, ins) -> {
            if (old.op() instanceof Movement.Permute p && swapsLastTwo(p.order()) && old.input(0).op() instanceof MatMul
                    && uses.get(old.input(0)) == 1 && old.type().shape().numelLong() >= MIN_ELEMENTS) {
                Node product = ins[0];
                return ops.matmul(ops.transposeLast(product.input(1)), ops.transposeLast(product.input(0)));
            }
            return Rewriter.same(ops, old, ins);
        });
    }

    private static boolean swapsLastTwo(Axes order) {
        int r = order.size();
        if (r < 2 || order.get(r - 2) != r - 1 || order.get(r - 1) != r - 2) {
            return false;
        }
        for (int i = 0; i < r - 2; i++) {
            if (order.get(i) != i) {
                return false;
            }
        }
        return true;
    }
}
