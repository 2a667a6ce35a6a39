package dev.kiln.nn;

import dev.kiln.Tensor;

/** Smooth L1 loss, as {@code torch.nn.SmoothL1Loss(reduction, beta)} (β = 1 by default). */
public final class SmoothL1Loss extends Module {
    private final double beta;
    private final Reduction reduction;

    /** The loss with β = 1, the mean. */
    public SmoothL1Loss() {
        this(1.0, Reduction.MEAN);
    }

    /**
     * The loss with the given threshold and reduction.
     *
     * @param beta the threshold β between the quadratic and linear parts, not negative; 0 gives the L1 loss (PyTorch's default 1); checked by {@link #forward(Tensor, Tensor)}
     * @param reduction how the per-element losses combine (PyTorch's default {@link Reduction#MEAN}); not null
     * @throws dev.kiln.KilnException if {@code reduction} is null
     */
    public SmoothL1Loss(double beta, Reduction reduction) {
        this.reduction = Reduction.checked("SmoothL1Loss", reduction);
        this.beta = beta;
    }

    /**
     * The smooth L1 loss of {@code input} against {@code target}, as {@code F.smooth_l1_loss}.
     *
     * @param input the predictions
     * @param target the targets, of the input's shape
     * @return the loss: a scalar, or the input's shape with {@link Reduction#NONE}
     * @throws dev.kiln.KilnException if the shapes differ or β is out of range
     */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.smoothL1Loss(input, target, beta, reduction);
    }
}
