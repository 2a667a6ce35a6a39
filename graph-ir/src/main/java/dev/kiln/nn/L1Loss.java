package dev.kiln.nn;

import dev.kiln.Tensor;

/** Mean absolute error, as {@code torch.nn.L1Loss}. */
public final class L1Loss extends Module {
    private final Reduction reduction;

    public L1Loss() {
        this(Reduction.MEAN);
    }

    public L1Loss(Reduction reduction) {
        this.reduction = reduction;
    }

    public Tensor forward(Tensor input, Tensor target) {
        return Functional.l1Loss(input, target, reduction);
    }
}
