package dev.kiln.nn;

import dev.kiln.Tensor;

/** Binary cross-entropy on probabilities, as {@code torch.nn.BCELoss} (logs clamped at −100). */
public final class BCELoss extends Module {
    private final Tensor weight;
    private final Reduction reduction;

    public BCELoss() {
        this(null, Reduction.MEAN);
    }

    public BCELoss(Tensor weight, Reduction reduction) {
        this.weight = weight == null ? null : registerBuffer("weight", weight);
        this.reduction = reduction;
    }

    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropy(input, target, weight, reduction);
    }
}
