package dev.kiln.nn;

import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/**
 * Mean squared error, as {@code torch.nn.MSELoss}. Unlike PyTorch, prediction and target must
 * have the same shape: PyTorch silently broadcasts {@code [N, 1]} against {@code [N]} to
 * {@code [N, N]} (with only a warning), a classic bug; Kiln refuses and explains.
 */
public final class MSELoss extends Module {
    private final Reduction reduction;

    /** The loss with the mean reduction. */
    public MSELoss() {
        this(Reduction.MEAN);
    }

    /**
     * The loss with the given reduction.
     *
     * @param reduction how the per-element losses combine (PyTorch's default {@link Reduction#MEAN}); not null
     * @throws dev.kiln.KilnException if {@code reduction} is null
     */
    public MSELoss(Reduction reduction) {
        this.reduction = Reduction.checked("MSELoss", reduction);
    }

    /**
     * The squared error of {@code input} against {@code target}, as {@code F.mse_loss}.
     *
     * @param input the predictions
     * @param target the targets, of the input's shape (no broadcasting)
     * @return the loss: a scalar, or the input's shape with {@link Reduction#NONE}
     * @throws KilnException if the shapes differ
     */
    public Tensor forward(Tensor input, Tensor target) {
        Shape a = input.shape();
        Shape b = target.shape();
        if (!a.equals(b)) {
            Shape both = Shape.broadcast(a, b);
            String why = both == null ? "they do not broadcast either"
                    : "they would broadcast to " + both + ", which compares every prediction with every target"
                            + " (the [N, 1] vs [N] trap; PyTorch only warns) — reshape one, for example with"
                            + " Flatten(0, 1) or squeeze(-1), so both are " + (a.numel() == b.numel() ? b : "the same shape");
            throw new KilnException("MSELoss: prediction shape " + a + " and target shape " + b + " differ; " + why);
        }
        Tensor sq = input.sub(target).pow(2);
        return switch (reduction) {
            case NONE -> sq;
            case MEAN -> sq.mean();
            case SUM -> sq.sum();
        };
    }
}
