package dev.kiln.nn;

import dev.kiln.Tensor;

/** Softmax along a dimension, as {@code torch.nn.Softmax(dim)}. */
public final class Softmax extends Module {
    private final int dim;

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
