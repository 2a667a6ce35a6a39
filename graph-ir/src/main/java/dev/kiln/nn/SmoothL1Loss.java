package dev.kiln.nn;

import dev.kiln.Tensor;

/** Smooth L1 loss, as {@code torch.nn.SmoothL1Loss(reduction, beta)} (β = 1 by default). */
public final class SmoothL1Loss extends Module {
    private final double beta;
    private final Reduction reduction;

    public SmoothL1Loss() {
        this(1.0, Reduction.MEAN);
    }

    public SmoothL1Loss(double beta, Reduction reduction) {
        this.beta = beta;
        this.reduction = reduction;
    }

    public Tensor forward(Tensor input, Tensor target) {
        return Functional.smoothL1Loss(input, target, beta, reduction);
    }
}
