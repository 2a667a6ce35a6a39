package dev.kiln.nn;

import dev.kiln.Tensor;

/** Mean absolute error, as {@code torch.nn.L1Loss}. */
public final class L1Loss extends Module {
    private final Reduction reduction;

    /** The loss with the mean reduction. */
    public L1Loss() {
        this(Reduction.MEAN);
    }

    /**
     * The loss with the given reduction.
     *
     * @param reduction how the per-element losses combine (PyTorch's default {@link Reduction#MEAN}); not null
     * @throws dev.kiln.KilnException if {@code reduction} is null
     */
    public L1Loss(Reduction reduction) {
        this.reduction = Reduction.checked("L1Loss", reduction);
    }

    /**
     * The absolute error of {@code input} against {@code target}, as {@code F.l1_loss}.
     *
     * @param input the predictions
     * @param target the targets, of the input's shape (no broadcasting)
     * @return the loss: a scalar, or the input's shape with {@link Reduction#NONE}
     * @throws dev.kiln.KilnException if the shapes differ
     */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.l1Loss(input, target, reduction);
    }
}
