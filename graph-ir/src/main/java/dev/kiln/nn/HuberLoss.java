package dev.kiln.nn;

import dev.kiln.Tensor;

/** Huber loss, as {@code torch.nn.HuberLoss(reduction, delta)} (δ = 1 by default). */
public final class HuberLoss extends Module {
    private final double delta;
    private final Reduction reduction;

    /** The loss with δ = 1, the mean. */
    public HuberLoss() {
        this(1.0, Reduction.MEAN);
    }

    /**
     * The loss with the given threshold and reduction.
     *
     * @param delta the threshold δ between the quadratic and linear parts, positive (PyTorch's default 1); checked by {@link #forward(Tensor, Tensor)}
     * @param reduction how the per-element losses combine (PyTorch's default {@link Reduction#MEAN}); not null
     * @throws dev.kiln.KilnException if {@code reduction} is null
     */
    public HuberLoss(double delta, Reduction reduction) {
        this.reduction = Reduction.checked("HuberLoss", reduction);
        this.delta = delta;
    }

    /**
     * The Huber loss of {@code input} against {@code target}, as {@code F.huber_loss}.
     *
     * @param input the predictions
     * @param target the targets, of the input's shape
     * @return the loss: a scalar, or the input's shape with {@link Reduction#NONE}
     * @throws dev.kiln.KilnException if the shapes differ or δ is out of range
     */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.huberLoss(input, target, delta, reduction);
    }
}
