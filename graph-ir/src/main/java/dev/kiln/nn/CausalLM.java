package dev.kiln.nn;

import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.List;

/**
 * A decoder-only language model that {@link Generation} runs with a key/value cache (Hugging Face's
 * {@code past_key_values}): it reads a sequence's cached keys and values and returns the rows for the new
 * tokens, which {@link Generation} writes into the cache. {@link KVCache#attend} is the attention such a
 * model uses.
 */
public interface CausalLM {
    /**
     * The number of tokens (the logits' last dimension).
     *
     * @return the vocabulary's size
     */
    int vocabSize();

    /**
     * The longest sequence the model reads: its position table's length.
     *
     * @return the most positions a cache may hold
     */
    int maxPositions();

    /**
     * The shapes of one sequence's cache tensors for {@code length} positions, the position on dimension −2 of each.
     *
     * @param length the positions the cache holds
     * @return the shapes, in the order {@link #forwardCached} reads and returns the cache tensors
     */
    List<Shape> cacheShapes(int length);

    /**
     * The logits [1, T, vocab] of {@code tokens} [1, T] (int64) at {@code positions} (int64 [T]), each token attending
     * to the cache's rows at earlier positions and to the new tokens up to itself; then, in
     * {@link #cacheShapes} order, each cache tensor's rows for the new tokens ([..., T, D]). Reads the cache,
     * writes nothing.
     *
     * @param tokens the new token ids, int64 [1, T]
     * @param positions the new tokens' positions, int64 [T]
     * @param cache the sequence's cache tensors, shaped as {@link #cacheShapes} gives them
     * @return the logits [1, T, vocab], then each cache tensor's rows for the new tokens
     */
    List<Tensor> forwardCached(Tensor tokens, Tensor positions, List<Tensor> cache);
}
