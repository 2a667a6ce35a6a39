package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.OptionalInt;

/**
 * A lookup table of vectors, as {@code torch.nn.Embedding(num_embeddings, embedding_dim, padding_idx)}:
 * weight N(0, 1), with the padding row (if any) zeroed; lookups of the padding index pass no gradient
 * to that row.
 */
public final class Embedding extends Module {
    /** The table, [num_embeddings, embedding_dim]. */
    public final Tensor weight;
    private final int num;
    private final int dim;
    private final OptionalInt paddingIdx;

    /**
     * A table of the default dtype without a padding index.
     *
     * @param numEmbeddings the number of rows (the vocabulary's size), positive
     * @param embeddingDim the length of each row, positive
     * @throws KilnException if a size is not positive
     */
    public Embedding(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, Kiln.defaultDtype());
    }

    /**
     * A table of {@code dtype} without a padding index.
     *
     * @param numEmbeddings the number of rows (the vocabulary's size), positive
     * @param embeddingDim the length of each row, positive
     * @param dtype the weight's dtype, a floating one
     * @throws KilnException if a size is not positive
     */
    public Embedding(int numEmbeddings, int embeddingDim, DType dtype) {
        this(numEmbeddings, embeddingDim, OptionalInt.empty(), dtype);
    }

    /**
     * A table of the default dtype with a padding index: its row starts at zero and gets no gradient from lookups.
     *
     * @param numEmbeddings the number of rows (the vocabulary's size), positive
     * @param embeddingDim the length of each row, positive
     * @param paddingIdx the padding row, in [-numEmbeddings, numEmbeddings) (negative counts from the end)
     * @throws KilnException if a size is not positive or {@code paddingIdx} is out of range
     */
    public Embedding(int numEmbeddings, int embeddingDim, int paddingIdx) {
        this(numEmbeddings, embeddingDim, paddingIdx, Kiln.defaultDtype());
    }

    /**
     * A table of {@code dtype} with a padding index: its row starts at zero and gets no gradient from lookups.
     *
     * @param numEmbeddings the number of rows (the vocabulary's size), positive
     * @param embeddingDim the length of each row, positive
     * @param paddingIdx the padding row, in [-numEmbeddings, numEmbeddings) (negative counts from the end)
     * @param dtype the weight's dtype, a floating one
     * @throws KilnException if a size is not positive or {@code paddingIdx} is out of range
     */
    public Embedding(int numEmbeddings, int embeddingDim, int paddingIdx, DType dtype) {
        this(numEmbeddings, embeddingDim, OptionalInt.of(paddingIdx), dtype);
    }

    private Embedding(int numEmbeddings, int embeddingDim, OptionalInt paddingIdx, DType dtype) {
        checkSizes(numEmbeddings, embeddingDim);
        this.num = numEmbeddings;
        this.dim = embeddingDim;
        this.paddingIdx = normalized(paddingIdx, numEmbeddings);
        Tensor w = Init.normal_(Tensor.zeros(Shape.of(numEmbeddings, embeddingDim), dtype));
        if (this.paddingIdx.isPresent()) {
            Init.zeros_(w.select(0, this.paddingIdx.getAsInt()));
        }
        this.weight = parameter("weight", w);
    }

    /** Wraps {@code weights} [num, dim] itself (shared, as PyTorch's {@code _weight}); no initialization. */
    private Embedding(Tensor weights, boolean freeze, OptionalInt paddingIdx) {
        if (weights.dim() != 2) {
            throw new KilnException("Embedding.fromPretrained: embeddings are expected to be 2-dimensional [num_embeddings, "
                    + "embedding_dim], got shape " + weights.shape());
        }
        checkSizes(weights.size(0), weights.size(1));
        this.num = weights.size(0);
        this.dim = weights.size(1);
        this.paddingIdx = normalized(paddingIdx, num);
        this.weight = parameter("weight", weights);
        weight.requiresGrad_(!freeze);
    }

    /**
     * An embedding whose weight is {@code embeddings} ([num, dim], its storage shared), frozen (no gradient,
     * as PyTorch's default {@code freeze=True}) or trained, as {@code Embedding.from_pretrained}.
     *
     * @param embeddings the table, a floating [num_embeddings, embedding_dim] tensor
     * @param freeze true for a weight that does not require grad (PyTorch's default), false to train it
     * @return the embedding
     * @throws KilnException if {@code embeddings} is not 2-D, has an empty dimension or is not floating
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze) {
        return new Embedding(embeddings, freeze, OptionalInt.empty());
    }

    /**
     * {@link #fromPretrained(Tensor, boolean)} with a padding index; the pretrained padding row is kept as it is.
     *
     * @param embeddings the table, a floating [num_embeddings, embedding_dim] tensor
     * @param freeze true for a weight that does not require grad (PyTorch's default), false to train it
     * @param paddingIdx the padding row, in [-num_embeddings, num_embeddings) (negative counts from the end)
     * @return the embedding
     * @throws KilnException if {@code embeddings} is not 2-D, has an empty dimension or is not floating, or
     *         {@code paddingIdx} is out of range
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze, int paddingIdx) {
        return new Embedding(embeddings, freeze, OptionalInt.of(paddingIdx));
    }

    /**
     * The padding index in [0, num_embeddings), if there is one.
     *
     * @return the padding index, a negative one given made non-negative; empty without one
     */
    public OptionalInt paddingIdx() {
        return paddingIdx;
    }

    private static void checkSizes(int numEmbeddings, int embeddingDim) {
        if (numEmbeddings < 1 || embeddingDim < 1) {
            throw new KilnException("Embedding: sizes must be positive, got " + numEmbeddings + " x " + embeddingDim);
        }
    }

    private static OptionalInt normalized(OptionalInt paddingIdx, int num) {
        if (paddingIdx.isEmpty()) {
            return paddingIdx;
        }
        int p = paddingIdx.getAsInt();
        if (p < -num || p >= num) {
            throw new KilnException("Embedding: paddingIdx must be within num_embeddings: expected [" + -num + ", " + num + "), got " + p);
        }
        return OptionalInt.of(p < 0 ? p + num : p);
    }

    /** The rows of {@code weight} at int64 indices of any shape: that shape plus the embedding dimension. */
    @Override
    public Tensor forward(Tensor indices) {
        int[] dims = new int[indices.dim() + 1];
        System.arraycopy(indices.shape().toArray(), 0, dims, 0, indices.dim());
        dims[indices.dim()] = dim;
        Tensor rows = weight.indexSelect(0, indices.reshape(-1)).reshape(dims);
        if (paddingIdx.isEmpty()) {
            return rows;
        }
        // the same values; where the index is the padding index, detached, so that row gets no gradient from here
        return Tensor.where(indices.eq(paddingIdx.getAsInt()).unsqueeze(-1), rows.detach(), rows);
    }

    @Override
    protected String extraRepr() {
        return num + ", " + dim + (paddingIdx.isPresent() ? ", padding_idx=" + paddingIdx.getAsInt() : "");
    }
}
