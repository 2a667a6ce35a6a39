package dev.kiln.nn;

import dev.kiln.Tensor;

/** Softmax along a dimension, as {@code torch.nn.Softmax(dim)}. */
public final class Softmax extends Module {
    private final int dim;

    /**
     * Softmax along {@code dim}.
     *
     * @param dim the dimension the probabilities are normalized over (they sum to 1 along it), negative counting from the end
     */
    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.softmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
