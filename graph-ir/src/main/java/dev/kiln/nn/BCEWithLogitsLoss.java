package dev.kiln.nn;

import dev.kiln.Tensor;

/** Binary cross-entropy on logits, stable, as {@code torch.nn.BCEWithLogitsLoss(weight, reduction, pos_weight)}. */
public final class BCEWithLogitsLoss extends Module {
    private final Tensor weight;
    private final Tensor posWeight;
    private final Reduction reduction;

    /** The loss without weights, the mean. */
    public BCEWithLogitsLoss() {
        this(null, null, Reduction.MEAN);
    }

    /**
     * The loss with weights; {@code weight} per element and {@code posWeight} per class (broadcast over the last
     * dimension), each or both null. Both are registered as buffers.
     *
     * @param weight the weights multiplying each element's loss (broadcast to the input); null for none (PyTorch's default)
     * @param posWeight the weights of the positive term, one per class; null for none (PyTorch's default)
     * @param reduction how the per-element losses combine (PyTorch's default {@link Reduction#MEAN}); not null
     * @throws dev.kiln.KilnException if {@code reduction} is null or a weight requires grad
     */
    public BCEWithLogitsLoss(Tensor weight, Tensor posWeight, Reduction reduction) {
        this.reduction = Reduction.checked("BCEWithLogitsLoss", reduction);
        this.weight = weight == null ? null : registerBuffer("weight", weight);
        this.posWeight = posWeight == null ? null : registerBuffer("pos_weight", posWeight);
    }

    /**
     * The loss of logits {@code input} against {@code target}, as {@code F.binary_cross_entropy_with_logits}.
     *
     * @param input the logits
     * @param target the targets in [0, 1], of the input's shape
     * @return the loss: a scalar, or the input's shape with {@link Reduction#NONE}
     * @throws dev.kiln.KilnException if the shapes differ
     */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropyWithLogits(input, target, weight, posWeight, reduction);
    }
}
