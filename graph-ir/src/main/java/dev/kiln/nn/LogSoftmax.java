package dev.kiln.nn;

import dev.kiln.Tensor;

/** Log-softmax along a dimension, as {@code torch.nn.LogSoftmax(dim)}. */
public final class LogSoftmax extends Module {
    private final int dim;

    /**
     * Log-softmax along {@code dim}.
     *
     * @param dim the dimension the probabilities are normalized over, negative counting from the end
     */
    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.logSoftmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
