package dev.kiln.nn;

import dev.kiln.Tensor;

/** As {@code torch.nn.LeakyReLU(negative_slope)} (0.01 by default). */
public final class LeakyReLU extends Module {
    private final double slope;

    /** A leaky ReLU with negative slope 0.01. */
    public LeakyReLU() {
        this(0.01);
    }

    /**
     * A leaky ReLU: x where x &gt; 0, else {@code negativeSlope}·x.
     *
     * @param negativeSlope the slope for negative inputs (PyTorch's default 0.01)
     */
    public LeakyReLU(double negativeSlope) {
        this.slope = negativeSlope;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.leakyRelu(input, slope);
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + Repr.pyFloat(slope);
    }
}
