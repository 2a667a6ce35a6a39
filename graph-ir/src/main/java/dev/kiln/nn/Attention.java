package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Attend;

/**
 * PyTorch 2.x's {@code F.scaled_dot_product_attention} as the explicit masked-softmax path a PyTorch 1.13
 * user writes: {@code softmax(q kᵀ · scale + mask) v}. Without a mask (or causal), without dropout, on float32
 * or float64 tensors of one batch shape, with at least {@link #FUSED_MIN_SCORES} scores per batch slice (long
 * sequences), it runs as the fused {@link Attend} primitive (online softmax over
 * tiles, memory linear in the sequence length, forward and backward); otherwise as the composite of matmul,
 * where, softmax and dropout, which materializes the [L, S] scores.
 */
public final class Attention {
    private Attention() {
    }

    /**
     * {@code softmax(q kᵀ / √E) v}: no mask, no dropout, not causal.
     *
     * @param q the queries, [..., L, E]
     * @param k the keys, [..., S, E]
     * @param v the values, [..., S, Ev]
     * @return the attention output, [..., L, Ev] (the leading dimensions broadcast as in matmul)
     * @throws KilnException if an input has fewer than 2 dimensions or E or S disagree
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v) {
        return scaledDotProductAttention(q, k, v, null, 0, false, null);
    }

    /**
     * q [..., L, E], k [..., S, E], v [..., S, Ev] to [..., L, Ev]. {@code attnMask} (broadcast to [..., L, S]):
     * bool keeps where true, floating is added to the scores. {@code isCausal}: position i attends to j ≤ i (no
     * {@code attnMask} then). {@code dropoutP}: dropout on the attention weights from the default generator,
     * applied whenever positive, as PyTorch's (pass 0 in eval). {@code scale} null: 1/√E.
     *
     * @param q the queries, [..., L, E]
     * @param k the keys, [..., S, E]
     * @param v the values, [..., S, Ev]
     * @param attnMask null, or a bool (true = attend) or q-dtype (added) mask broadcasting to [..., L, S]
     * @param dropoutP the dropout probability on the attention weights (PyTorch's default 0)
     * @param isCausal whether to mask out keys after each query (PyTorch's default false)
     * @param scale the factor on {@code q kᵀ}; null for 1/√E (PyTorch's default)
     * @return the attention output, [..., L, Ev] (the leading dimensions broadcast as in matmul)
     * @throws KilnException if an input has fewer than 2 dimensions, E or S disagree, both {@code attnMask} and
     *         {@code isCausal} are given, {@code dropoutP} is outside [0, 1), or the mask's dtype or shape does not fit
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP,
            boolean isCausal, Double scale) {
        String fn = "scaledDotProductAttention";
        if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2) {
            throw new KilnException(fn + ": q, k and v need at least 2 dimensions [..., L, E], got shapes " + q.shape() + ", "
                    + k.shape() + " and " + v.shape());
        }
        if (q.size(-1) != k.size(-1) || k.size(-2) != v.size(-2)) {
            throw new KilnException(fn + ": expected q [..., L, E], k [..., S, E] and v [..., S, Ev] to agree in E and S, got shapes "
                    + q.shape() + ", " + k.shape() + " and " + v.shape());
        }
        if (isCausal && attnMask != null) {
            throw new KilnException(fn + ": explicit attn_mask should not be set when is_causal=True");
        }
        if (!(dropoutP >= 0 && dropoutP <= 1)) {
            throw new KilnException(fn + ": dropout probability has to be between 0 and 1, but got " + dropoutP);
        }
        int l = q.size(-2);
        int s = k.size(-2);
        if (attnMask != null) {
            checkMask(fn, attnMask, q.dtype(), l, s);
        }
        double sc = scale != null ? scale : 1 / Math.sqrt(q.size(-1));
        if (fusable(q, k, v, attnMask, dropoutP)) {
            Tensor packed = Tracing.compute(new Attend.Forward(isCausal, sc), q, k, v);
            return packed.slice(-1, 0, v.size(-1), 1);
        }
        Tensor scores = q.matmul(k.transpose(-2, -1)).mul(sc);
        Tensor keep = isCausal ? TensorOps.triangle(l, s, 0, true) : attnMask != null && attnMask.dtype() == DType.BOOL ? attnMask : null;
        if (keep != null) {
            scores = Tensor.where(keep, scores, Tensor.scalar(Double.NEGATIVE_INFINITY, scores.dtype()));
        } else if (attnMask != null) {
            scores = scores.add(attnMask);
        }
        Tensor weights = scores.softmax(-1);
        if (dropoutP > 0) {
            weights = Functional.dropout(weights, dropoutP, true);
        }
        return weights.matmul(v);
    }

    /**
     * Scores per batch slice ({@code L·S}) from which the fused primitive is used (4096: T = 64, where the two paths
     * ran equally fast on the CPU; at T = 128 the fused one ran 1.7x faster, docs/benchmarks.md): below it, the
     * composite's [L, S] scores are small (a decode step's single query row takes the composite).
     * {@code -Dkiln.attention.fusedMinScores=N} moves it (0: always fused), read at each call.
     */
    public static final long FUSED_MIN_SCORES = 4096;

    /** The fused primitive applies: no mask, no dropout, float32/float64, one rank and batch for q, k and v, long enough. */
    static boolean fusable(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP) {
        DType t = q.dtype();
        if (attnMask != null || dropoutP != 0 || (t != DType.FLOAT32 && t != DType.FLOAT64) || k.dtype() != t || v.dtype() != t
                || k.dim() != q.dim() || v.dim() != q.dim()) {
            return false;
        }
        if ((long) q.size(-2) * k.size(-2) < Long.getLong("kiln.attention.fusedMinScores", FUSED_MIN_SCORES)) {
            return false;
        }
        for (int d = 0; d < q.dim() - 2; d++) {
            if (k.size(d) != q.size(d) || v.size(d) != q.size(d)) {
                return false;
            }
        }
        return true;
    }

    /** A mask must be bool or the query's floating dtype, and broadcast to the scores' [..., L, S]. */
    static void checkMask(String fn, Tensor mask, DType dtype, int l, int s) {
        if (mask.dtype() != DType.BOOL && mask.dtype() != dtype) {
            throw new KilnException(fn + ": attn_mask must be bool (true = attend) or the query's dtype " + dtype
                    + " (added to the scores), got " + mask.dtype());
        }
        boolean fits = mask.dim() >= 2 && (mask.size(-1) == s || mask.size(-1) == 1) && (mask.size(-2) == l || mask.size(-2) == 1);
        if (!fits) {
            throw new KilnException(fn + ": attn_mask of shape " + mask.shape() + " cannot broadcast to the attention scores [..., "
                    + l + ", " + s + "] (L = target length, S = source length)");
        }
    }

    /** The additive float mask of a bool "true = masked out" mask (nn.MultiheadAttention's convention). */
    static Tensor additive(Tensor masked, DType dtype) {
        try (var noGrad = Kiln.noGrad()) {
            return Tensor.where(masked, Tensor.scalar(Double.NEGATIVE_INFINITY, dtype), Tensor.scalar(0, dtype));
        }
    }
}
