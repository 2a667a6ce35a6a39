package dev.kiln.nn;

import dev.kiln.Tensor;

/** Huber loss, as {@code torch.nn.HuberLoss(reduction, delta)} (δ = 1 by default). */
public final class HuberLoss extends Module {
    private final double delta;
    private final Reduction reduction;

    public HuberLoss() {
        this(1.0, Reduction.MEAN);
    }

    public HuberLoss(double delta, Reduction reduction) {
        this.delta = delta;
        this.reduction = reduction;
    }

    public Tensor forward(Tensor input, Tensor target) {
        return Functional.huberLoss(input, target, delta, reduction);
    }
}
