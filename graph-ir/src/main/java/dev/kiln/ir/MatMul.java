package dev.kiln.ir;

import dev.kiln.Shape;
import java.util.List;

/**
 * {@code [..., n, k] @ [..., k, m] -> [..., n, m]} with equal batch dimensions; front ends turn
 * 1-D operands and broadcast batches into this form with reshape and expand.
 */
public record MatMul() implements Op {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        TensorType a = inputs.get(0);
        TensorType b = inputs.get(1);
        Ops.requireSameDtype(this, a, b);
        Shape sa = a.shape();
        Shape sb = b.shape();
        int r = sa.rank();
        if (r < 2 || sb.rank() != r) {
            throw Ops.error(this, "needs two tensors of the same rank >= 2, got " + sa + " and " + sb);
        }
        int[] out = sa.toArray();
        for (int i = 0; i < r - 2; i++) {
            if (sa.dim(i) != sb.dim(i)) {
                throw Ops.error(this, "batch dimensions differ: " + sa + " and " + sb);
            }
        }
        if (sa.dim(r - 1) != sb.dim(r - 2)) {
            throw Ops.error(this, "inner dimensions differ: " + sa + " @ " + sb + " (" + sa.dim(r - 1) + " != " + sb.dim(r - 2) + ")");
        }
        out[r - 1] = sb.dim(r - 1);
        return new TensorType(Shape.of(out), a.dtype());
    }

    @Override
    public int arity() {
        return 2;
    }
}
