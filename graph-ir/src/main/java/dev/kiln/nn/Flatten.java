package dev.kiln.nn;

import dev.kiln.Tensor;

/** Flattens dimensions {@code startDim..endDim} into one, as {@code torch.nn.Flatten} (default 1..-1). */
public final class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    /** Flattens every dimension but the first (the batch): {@code startDim = 1}, {@code endDim = -1}. */
    public Flatten() {
        this(1, -1);
    }

    /**
     * Flattens dimensions {@code startDim} to {@code endDim}, both included; checked against the input in
     * {@link #forward(Tensor)}.
     *
     * @param startDim the first dimension flattened, negative counting from the end (PyTorch's default 1)
     * @param endDim the last dimension flattened, negative counting from the end (PyTorch's default -1)
     */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.flatten(startDim, endDim);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
