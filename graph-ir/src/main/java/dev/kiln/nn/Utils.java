package dev.kiln.nn;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.List;

/** PyTorch's {@code torch.nn.utils}: gradient clipping, eager and inside compiled training steps. */
public final class Utils {
    private Utils() {
    }

    /**
     * As {@code torch.nn.utils.clip_grad_norm_(parameters, maxNorm)}: {@link #clipGradNorm(List, double, double)}
     * with the 2-norm.
     *
     * @param parameters the tensors whose {@code grad()} are scaled in place; those without a gradient are skipped
     * @param maxNorm the largest total norm the gradients may have after clipping
     * @return the total 2-norm of the gradients before clipping, 0-d (0 when none has a gradient)
     */
    public static Tensor clipGradNorm(List<Tensor> parameters, double maxNorm) {
        return clipGradNorm(parameters, maxNorm, 2);
    }

    /**
     * As {@code torch.nn.utils.clip_grad_norm_}: scales the gradients in place, outside autograd, so that
     * their total {@code normType}-norm is at most {@code maxNorm}; every gradient is multiplied by
     * min(1, maxNorm / (total + 1e−6)). Unlike PyTorch, only the 1-, 2- and infinity norms are supported.
     *
     * @param parameters the tensors whose {@code grad()} are scaled in place; those without a gradient are skipped
     * @param maxNorm the largest total norm the gradients may have after clipping
     * @param normType 1, 2, or {@code Double.POSITIVE_INFINITY} (the largest magnitude of any gradient element)
     * @return the total norm of all the gradients together before clipping, 0-d (0 when none has a gradient)
     * @throws KilnException if {@code normType} is not 1, 2 or infinity
     */
    public static Tensor clipGradNorm(List<Tensor> parameters, double maxNorm, double normType) {
        if (!(normType == 2 || normType == Double.POSITIVE_INFINITY || normType == 1)) {
            throw new KilnException("clipGradNorm: normType must be 1, 2 or infinity, got " + normType);
        }
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : parameters) {
            if (p.grad() != null) {
                grads.add(p.grad());
            }
        }
        if (grads.isEmpty()) {
            return Tensor.scalar(0);
        }
        try (var noGrad = Kiln.noGrad()) {
            Tensor total = null;
            for (Tensor g : grads) {
                Tensor part = normType == 2 ? g.mul(g).sum() : normType == 1 ? g.abs().sum() : g.abs().max();
                total = total == null ? part : normType == Double.POSITIVE_INFINITY ? total.maximum(part) : total.add(part);
            }
            if (normType == 2) {
                total = total.sqrt();
            }
            Tensor coef = total.add(1e-6).pow(-1.0).mul(maxNorm).clampMax(1.0);
            for (Tensor g : grads) {
                g.mul_(coef);
            }
            return total;
        }
    }

    /**
     * As {@code torch.nn.utils.clip_grad_value_}: clamps every gradient element to [−clip, clip] in place,
     * outside autograd; parameters without a gradient are skipped.
     *
     * @param parameters the tensors whose {@code grad()} are clamped
     * @param clip the largest magnitude a gradient element keeps, at least 0
     * @throws KilnException if {@code clip} is negative or NaN
     */
    public static void clipGradValue(List<Tensor> parameters, double clip) {
        if (!(clip >= 0)) {
            throw new KilnException("clipGradValue: the clip value must be non-negative, got " + clip);
        }
        try (var noGrad = Kiln.noGrad()) {
            for (Tensor p : parameters) {
                if (p.grad() != null) {
                    p.grad().copy_(p.grad().clamp(-clip, clip));
                }
            }
        }
    }
}
