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

    /** {@link #clipGradNorm(List, double, double)} with the 2-norm. */
    public static Tensor clipGradNorm(List<Tensor> parameters, double maxNorm) {
        return clipGradNorm(parameters, maxNorm, 2);
    }

    /**
     * Scales the gradients in place so that their total {@code normType}-norm (2, or
     * {@code Double.POSITIVE_INFINITY} for the largest magnitude) is at most {@code maxNorm}, as
     * {@code clip_grad_norm_}: every gradient is multiplied by min(1, maxNorm / (total + 1e−6)).
     * Returns the total norm before clipping (0-d); parameters without gradients are skipped.
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

    /** Clamps every gradient to [−clip, clip] in place, as {@code clip_grad_value_}. */
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
