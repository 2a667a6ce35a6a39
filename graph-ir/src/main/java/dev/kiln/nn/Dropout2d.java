package dev.kiln.nn;

import dev.kiln.Tensor;

/** Zeroes whole channels of [N, C, H, W] with probability p in training mode, as {@code torch.nn.Dropout2d}; the identity in eval mode. */
public final class Dropout2d extends Module {
    private final double p;

    /** p = 0.5. */
    public Dropout2d() {
        this(0.5);
    }

    /**
     * Channel dropout with probability {@code p}.
     *
     * @param p the probability that a channel is zeroed, in [0, 1) (PyTorch's default 0.5; p = 1 is refused)
     * @throws dev.kiln.KilnException if {@code p} is outside [0, 1)
     */
    public Dropout2d(double p) {
        this.p = Dropout.checked(p);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout2d(input, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + Repr.pyFloat(p) + ", inplace=False";
    }
}
