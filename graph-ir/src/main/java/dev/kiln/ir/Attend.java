package dev.kiln.ir;

import dev.kiln.Shape;
import java.util.List;

/**
 * Fused scaled dot-product attention, {@code softmax(q kᵀ · scale) v} with an optional causal mask,
 * computed over tiles with an online softmax so no {@code [L, S]} score matrix is ever held: memory
 * grows linearly in the sequence length. Inputs q {@code [..., L, E]}, k {@code [..., S, E]}, v
 * {@code [..., S, Ev]} of one rank, dtype and batch (front ends expand). Causal: row i sees keys j ≤ i.
 */
public sealed interface Attend extends Op {
    /** Whether row i sees only keys j ≤ i. */
    boolean causal();

    /** The factor on q·k. */
    double scale();

    @Override
    default String attributes() {
        return "causal=" + causal() + " scale=" + scale();
    }

    /**
     * The attention output {@code [..., L, Ev]} with each row's logsumexp of its scaled, masked scores
     * as one more column: {@code [..., L, Ev + 1]} (backward recomputes the probabilities from it).
     */
    record Forward(boolean causal, double scale) implements Attend {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape v = check(this, inputs.subList(0, 3));
            Shape q = inputs.get(0).shape();
            return new TensorType(q.with(q.rank() - 1, v.dim(v.rank() - 1) + 1), inputs.get(0).dtype());
        }

        @Override
        public int arity() {
            return 3;
        }
    }

    /**
     * Gradients of {@link Forward} from inputs (q, k, v, forward's output, its gradient), both
     * {@code [..., L, Ev + 1]} (a logsumexp gradient is honoured): dq, dk and dv flattened one after
     * the other along the last axis, {@code [..., L·E + S·E + S·Ev]}.
     */
    record Backward(boolean causal, double scale) implements Attend {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape v = check(this, inputs.subList(0, 3));
            Shape q = inputs.get(0).shape();
            int r = q.rank();
            Shape packed = q.with(r - 1, v.dim(r - 1) + 1);
            for (int i = 3; i < 5; i++) {
                Ops.requireSameDtype(this, inputs.get(0), inputs.get(i));
                if (!inputs.get(i).shape().equals(packed)) {
                    throw Ops.error(this, "expected the forward output and its gradient of shape " + packed + ", got "
                            + inputs.get(i).shape());
                }
            }
            long n = (long) q.dim(r - 2) * q.dim(r - 1) + (long) v.dim(r - 2) * (q.dim(r - 1) + v.dim(r - 1));
            int[] out = java.util.Arrays.copyOf(q.toArray(), r - 1);
            out[r - 2] = Math.toIntExact(n);
            return new TensorType(Shape.of(out), inputs.get(0).dtype());
        }

        @Override
        public int arity() {
            return 5;
        }
    }

    /** q, k and v agree in rank, batch, E and S; a floating dtype. Returns v's shape. */
    private static Shape check(Op op, List<TensorType> in) {
        Ops.requireSameDtype(op, in.get(0), in.get(1));
        Ops.requireSameDtype(op, in.get(0), in.get(2));
        if (!in.get(0).dtype().isFloating()) {
            throw Ops.error(op, "needs floating q, k and v, got " + in.get(0).dtype());
        }
        Shape q = in.get(0).shape();
        Shape k = in.get(1).shape();
        Shape v = in.get(2).shape();
        int r = q.rank();
        if (r < 2 || k.rank() != r || v.rank() != r) {
            throw Ops.error(op, "needs q, k and v of one rank >= 2, got " + q + ", " + k + " and " + v);
        }
        for (int d = 0; d < r - 2; d++) {
            if (q.dim(d) != k.dim(d) || q.dim(d) != v.dim(d)) {
                throw Ops.error(op, "batch dimensions differ: " + q + ", " + k + " and " + v);
            }
        }
        if (q.dim(r - 1) != k.dim(r - 1) || k.dim(r - 2) != v.dim(r - 2)) {
            throw Ops.error(op, "expected q [..., L, E], k [..., S, E] and v [..., S, Ev], got " + q + ", " + k + " and " + v);
        }
        return v;
    }
}
