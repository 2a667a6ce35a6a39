package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.List;

/**
 * One sequence's key/value cache for {@link Generation}: a buffer per cache tensor of a {@link CausalLM}, with
 * room for {@link #capacity()} positions, of which the first {@link #length()} are filled. Decoding writes
 * each new token's rows into the buffers in place. A cache belongs to one sequence (and one thread at a time).
 */
public final class KVCache {
    private final List<Tensor> buffers;
    private final int capacity;
    private int length;

    KVCache(List<Shape> shapes, int capacity, DType dtype) {
        this.buffers = shapes.stream().map(s -> Tensor.zeros(s, dtype)).toList();
        this.capacity = capacity;
    }

    /**
     * The number of positions the buffers hold.
     *
     * @return the capacity of the {@link Generation} that made this cache
     */
    public int capacity() {
        return capacity;
    }

    /**
     * The number of positions filled (the next token's position).
     *
     * @return the filled positions, 0 to {@link #capacity()}
     */
    public int length() {
        return length;
    }

    /** Forgets the sequence (the buffers are kept and overwritten by the next one). */
    public void reset() {
        length = 0;
    }

    /**
     * The buffers, in the model's {@link CausalLM#cacheShapes} order (read-only use: decoding writes them).
     *
     * @return an immutable list of the buffers, each with the position on dimension −2
     */
    public List<Tensor> buffers() {
        return buffers;
    }

    /** Writes the rows of positions [length, length + T) and advances the length by T. */
    void append(List<Tensor> rows, int count) {
        try (var noGrad = Kiln.noGrad()) {
            for (int i = 0; i < buffers.size(); i++) {
                Tensor b = buffers.get(i);
                int axis = b.dim() - 2;
                b.slice(axis, length, length + count, 1).copy_(rows.get(i).slice(axis, 0, count, 1));
            }
        }
        length += count;
    }

    /**
     * Causal scaled dot-product attention of queries {@code q} [B, H, T, D] at {@code positions} (int64 [T]) over
     * a cache's keys and values [B, H, S, D] with the new {@code k}, {@code v} [B, H, T, D] put at their
     * positions: query t sees slots s ≤ positions[t]. Slots past a query's position are masked, so whatever
     * they hold (an earlier sequence, zeros) does not matter. Shapes do not depend on the positions' values, so
     * a compiled decode step is one plan for every position.
     *
     * @param q the queries, [B, H, T, D]
     * @param k the new tokens' keys, [B, H, T, D]
     * @param v the new tokens' values, [B, H, T, D]
     * @param cacheK the cached keys, [B, H, S, D]
     * @param cacheV the cached values, [B, H, S, D]
     * @param positions the new tokens' positions, int64 [T], each below S
     * @return the attention output, [B, H, T, D]; the cache tensors are not written
     */
    public static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor cacheK, Tensor cacheV, Tensor positions) {
        int slots = cacheK.size(-2);
        Tensor s = Tensor.arange(slots);
        // [S, T]: 1 where slot s takes new row t; the new rows reach their slots by one matmul
        Tensor place = s.unsqueeze(1).eq(positions.unsqueeze(0));
        Tensor placeF = place.to(q.dtype());
        Tensor written = placeF.sum(1).gt(0).unsqueeze(1);
        Tensor keys = Tensor.where(written, placeF.matmul(k), cacheK);
        Tensor values = Tensor.where(written, placeF.matmul(v), cacheV);
        Tensor allowed = s.unsqueeze(0).le(positions.unsqueeze(1));
        return Attention.scaledDotProductAttention(q, keys, values, allowed, 0.0, false, null);
    }
}
