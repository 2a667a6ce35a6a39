package dev.kiln.nn;

import dev.kiln.Tensor;

/** Binary cross-entropy on probabilities, as {@code torch.nn.BCELoss} (logs clamped at −100). */
public final class BCELoss extends Module {
    private final Tensor weight;
    private final Reduction reduction;

    /** The loss without weights, the mean. */
    public BCELoss() {
        this(null, Reduction.MEAN);
    }

    /**
     * The loss with per-element weights.
     *
     * @param weight the weights, multiplying each element's loss (broadcast to the input), registered as a buffer;
     *        null for none (PyTorch's default)
     * @param reduction how the per-element losses combine (PyTorch's default {@link Reduction#MEAN}); not null
     * @throws dev.kiln.KilnException if {@code reduction} is null or {@code weight} requires grad
     */
    public BCELoss(Tensor weight, Reduction reduction) {
        this.reduction = Reduction.checked("BCELoss", reduction);
        this.weight = weight == null ? null : registerBuffer("weight", weight);
    }

    /**
     * The loss of probabilities {@code input} against {@code target}, as {@code F.binary_cross_entropy}.
     *
     * @param input the predicted probabilities, in [0, 1]
     * @param target the targets, of the input's shape
     * @return the loss: a scalar, or the input's shape with {@link Reduction#NONE}
     * @throws dev.kiln.KilnException if the shapes differ, or (outside a compiled function) an input is outside [0, 1] or NaN
     */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropy(input, target, weight, reduction);
    }
}
