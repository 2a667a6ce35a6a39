package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/** A lookup table of vectors, as {@code torch.nn.Embedding(num_embeddings, embedding_dim)}: weight N(0, 1). */
public final class Embedding extends Module {
    public final Tensor weight;
    private final int num;
    private final int dim;

    public Embedding(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, Kiln.defaultDtype());
    }

    public Embedding(int numEmbeddings, int embeddingDim, DType dtype) {
        if (numEmbeddings < 1 || embeddingDim < 1) {
            throw new KilnException("Embedding: sizes must be positive, got " + numEmbeddings + " x " + embeddingDim);
        }
        this.num = numEmbeddings;
        this.dim = embeddingDim;
        this.weight = parameter("weight", Tensor.randn(Shape.of(numEmbeddings, embeddingDim), dtype, Kiln.defaultGenerator()));
    }

    /** The rows of {@code weight} at int64 indices of any shape: that shape plus the embedding dimension. */
    @Override
    public Tensor forward(Tensor indices) {
        int[] dims = new int[indices.dim() + 1];
        System.arraycopy(indices.shape().toArray(), 0, dims, 0, indices.dim());
        dims[indices.dim()] = dim;
        return weight.indexSelect(0, indices.reshape(-1)).reshape(dims);
    }

    @Override
    protected String extraRepr() {
        return num + ", " + dim;
    }
}
