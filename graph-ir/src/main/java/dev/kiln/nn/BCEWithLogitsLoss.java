package dev.kiln.nn;

import dev.kiln.Tensor;

/** Binary cross-entropy on logits, stable, as {@code torch.nn.BCEWithLogitsLoss(weight, reduction, pos_weight)}. */
public final class BCEWithLogitsLoss extends Module {
    private final Tensor weight;
    private final Tensor posWeight;
    private final Reduction reduction;

    public BCEWithLogitsLoss() {
        this(null, null, Reduction.MEAN);
    }

    /** {@code weight} per element and {@code posWeight} per class (broadcast over the last dimension), each or both null. */
    public BCEWithLogitsLoss(Tensor weight, Tensor posWeight, Reduction reduction) {
        this.weight = weight == null ? null : registerBuffer("weight", weight);
        this.posWeight = posWeight == null ? null : registerBuffer("pos_weight", posWeight);
        this.reduction = reduction;
    }

    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropyWithLogits(input, target, weight, posWeight, reduction);
    }
}
