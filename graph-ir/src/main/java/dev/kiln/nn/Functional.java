package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.ir.Ops;

/**
 * PyTorch's {@code torch.nn.functional}: activations and losses as functions, with PyTorch's
 * definitions and defaults. The loss modules ({@link CrossEntropyLoss}, {@link NLLLoss}, ...) call
 * these. Every function works eagerly and inside {@code Kiln.compile}, and differentiates through
 * its parts.
 */
public final class Functional {
    /** PyTorch's default {@code ignore_index}. */
    public static final int IGNORE_INDEX = -100;

    private Functional() {
    }

    public static Tensor softmax(Tensor x, int dim) {
        return x.softmax(dim);
    }

    public static Tensor logSoftmax(Tensor x, int dim) {
        return x.logSoftmax(dim);
    }

    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    /** x·sigmoid(x). */
    public static Tensor silu(Tensor x) {
        return x.mul(x.sigmoid());
    }

    /** x where x &gt; 0, else {@code slope}·x (PyTorch's default slope is 0.01). */
    public static Tensor leakyRelu(Tensor x, double slope) {
        return Tensor.where(x.gt(0), x, x.mul(slope));
    }

    /**
     * log(1 + exp(βx))/β, computed as {@code max(βx, 0) + log(1 + exp(−|βx|))} (no overflow), and x
     * itself where βx &gt; {@code threshold} (PyTorch's defaults: β = 1, threshold = 20).
     */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        Tensor bx = x.mul(beta);
        Tensor stable = bx.relu().add(bx.abs().neg().exp().add(1.0).log()).div(beta);
        return Tensor.where(bx.gt(threshold), x, stable);
    }

    /**
     * GELU, x·Φ(x): exact ({@code approximate = "none"}, with {@code erf}) or its tanh approximation
     * ({@code "tanh"}), as {@code F.gelu}.
     */
    public static Tensor gelu(Tensor x, String approximate) {
        return switch (approximate) {
            case "none" -> x.mul(x.mul(Math.sqrt(0.5)).erf().add(1.0)).mul(0.5);
            case "tanh" -> x.mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1.0)).mul(0.5);
            default -> throw new KilnException("gelu: approximate is \"none\" or \"tanh\", got \"" + approximate + "\"");
        };
    }

    /** Int64 one-hot rows of {@code numClasses} for int64 class indices (−1: one more than the largest). */
    public static Tensor oneHot(Tensor index, int numClasses) {
        if (index.dtype().isFloating() || index.dtype() == DType.BOOL) {
            throw new KilnException("oneHot: the indices must be an integer tensor, got " + index.dtype());
        }
        if (numClasses < 0 && traced(index)) {
            throw new KilnException("oneHot: inside a compiled function give numClasses; it cannot be read from the values");
        }
        int classes = numClasses < 0 ? (index.numel() == 0 ? 0 : (int) index.max().item() + 1) : numClasses;
        if (!traced(index) && index.numel() > 0 && (index.min().item() < 0 || index.max().item() >= classes)) {
            throw new KilnException("oneHot: class values must be in [0, " + classes + "), got [" + (long) index.min().item()
                    + ", " + (long) index.max().item() + "]");
        }
        try (var noGrad = Kiln.noGrad()) {
            return index.unsqueeze(-1).eq(Tensor.arange(classes)).to(DType.INT64);
        }
    }

    /** Whether ops on {@code t} are being traced: value checks that read elements are skipped then (they ran eagerly before). */
    private static boolean traced(Tensor t) {
        return dev.kiln.internal.Tracing.tracing(java.util.List.of(t));
    }

    // ------------------------------------------------------------------ losses

    static Tensor reduce(Tensor perElement, Reduction reduction) {
        return switch (reduction) {
            case NONE -> perElement;
            case MEAN -> perElement.mean();
            case SUM -> perElement.sum();
        };
    }

    /**
     * Cross-entropy of logits {@code input} ([N, C], or [C] for one sample) against class indices
     * (int64 [N]) or class probabilities (floating, of the input's shape: as PyTorch, the shape
     * decides), as {@code F.cross_entropy}: {@code weight} (per class, of the input's dtype, or null),
     * {@code ignoreIndex} (indices only), {@code labelSmoothing} in [0, 1].
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, int ignoreIndex, double labelSmoothing,
            Reduction reduction) {
        if (labelSmoothing < 0 || labelSmoothing > 1) {
            throw new KilnException("crossEntropy: labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (input.dim() == 1) { // one sample
            Tensor r = crossEntropy(input.unsqueeze(0), target.unsqueeze(0), weight, ignoreIndex, labelSmoothing, reduction);
            return reduction == Reduction.NONE ? r.squeeze(0) : r;
        }
        checkLogits("crossEntropy", input, weight);
        int classes = input.size(1);
        if (target.shape().equals(input.shape())) { // class probabilities, as PyTorch decides: by shape
            if (!target.dtype().isFloating()) {
                throw new KilnException("crossEntropy: a target of the input's shape " + input.shape() + " holds class"
                        + " probabilities, which must be floating, got " + target.dtype() + " (PyTorch: Expected floating point"
                        + " type for target with class probabilities, got " + Ops.torchName(target.dtype()) + "); class indices"
                        + " have shape [" + input.size(0) + "]");
            }
            Tensor logp = input.logSoftmax(1);
            Tensor p = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
            Tensor terms = weight == null ? logp.mul(p) : logp.mul(p).mul(weight);
            Tensor loss = terms.sum(1, false).neg();
            return reduction == Reduction.MEAN ? loss.sum().div(input.size(0)) : reduce(loss, reduction);
        }
        // From the logits, without the [N, C] log-probabilities: log p[i, t] = x[i, t] − logsumexp(x[i]), and
        // Σ_c w_c log p[i, c] = Σ_c w_c x[i, c] − logsumexp(x[i]) Σ_c w_c.
        checkTarget("crossEntropy", input, target, weight);
        checkRange("crossEntropy", target, classes, ignoreIndex);
        Tensor lse = input.logsumexp(1, false);
        Tensor safe = safeTargets(target, ignoreIndex);
        Tensor nll = nllOfPicked(picked(input, safe).sub(lse), input, target, safe, weight, ignoreIndex, reduction);
        if (labelSmoothing == 0) {
            return nll;
        }
        Tensor valid = target.ne(ignoreIndex).to(input.dtype());
        Tensor weighted = weight == null ? input.sum(1, false).sub(lse.mul((double) classes))
                : input.mul(weight).sum(1, false).sub(lse.mul(weight.sum()));
        Tensor smooth = weighted.neg().mul(valid);
        Tensor smoothReduced = switch (reduction) {
            case NONE -> smooth;
            case SUM -> smooth.sum();
            case MEAN -> smooth.sum().div(weight == null ? valid.sum() : weight.indexSelect(0, safe).mul(valid).sum());
        };
        return nll.mul(1 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / classes));
    }

    /**
     * Negative log-likelihood of log-probabilities {@code input} ([N, C]) at class indices {@code target}
     * (int64 [N]; int32 is refused, as PyTorch 1.13 does), as {@code F.nll_loss}: the mean divides by the summed weights of the targets counted.
     */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        if (input.dim() == 1) {
            Tensor r = nllLoss(input.unsqueeze(0), target.unsqueeze(0), weight, ignoreIndex, reduction);
            return reduction == Reduction.NONE ? r.squeeze(0) : r;
        }
        checkLogits("nllLoss", input, weight);
        checkTarget("nllLoss", input, target, weight);
        checkRange("nllLoss", target, input.size(1), ignoreIndex);
        Tensor safe = safeTargets(target, ignoreIndex);
        return nllOfPicked(picked(input, safe), input, target, safe, weight, ignoreIndex, reduction);
    }

    /** The class indices with ignored ones read as class 0 (they are weighted 0). */
    private static Tensor safeTargets(Tensor target, int ignoreIndex) {
        return Tensor.where(target.ne(ignoreIndex), target, Tensor.scalar(0, target.dtype()));
    }

    /** Each row's entry at its class: a gather, whose gradient is a scatter. */
    private static Tensor picked(Tensor input, Tensor safeTargets) {
        return input.gather(1, safeTargets.unsqueeze(1)).squeeze(1);
    }

    /** −w_t·log p_t per row, reduced (the mean divides by the summed weights of the rows counted). */
    private static Tensor nllOfPicked(Tensor picked, Tensor input, Tensor target, Tensor safeTargets, Tensor weight, int ignoreIndex,
            Reduction reduction) {
        Tensor valid = target.ne(ignoreIndex).to(input.dtype());
        Tensor w = weight == null ? valid : weight.indexSelect(0, safeTargets).to(input.dtype()).mul(valid);
        Tensor loss = picked.mul(w).neg();
        return reduction == Reduction.MEAN ? loss.sum().div(w.sum()) : reduce(loss, reduction);
    }

    /**
     * Class indices: int64 [N] (PyTorch 1.13 refuses int32 too), each in [0, C) or the ignore index
     * (checked when not tracing); a class weight of the input's dtype.
     */
    private static void checkTarget(String fn, Tensor input, Tensor target, Tensor weight) {
        String shape = "[" + input.size(0) + "]";
        if (target.dtype() != DType.INT64) {
            boolean probabilities = fn.equals("crossEntropy") && target.dtype().isFloating();
            throw new KilnException(fn + ": class indices must be int64, got " + target.dtype() + " " + target.shape()
                    + " (PyTorch: expected scalar type Long but found " + Ops.torchName(target.dtype()) + "); convert them with"
                    + " target.to(DType.INT64)" + (probabilities ? " (a floating target is read as class probabilities only"
                    + " with the input's shape " + input.shape() + ")" : "")
                    + (target.dim() == 1 && target.size(0) == input.size(0) ? "" : ", of shape " + shape));
        }
        if (target.dim() != 1 || target.size(0) != input.size(0)) {
            throw new KilnException(fn + ": the target must be int64 class indices of shape " + shape + ", got "
                    + target.dtype() + " " + target.shape());
        }
        if (weight != null && weight.dtype() != input.dtype()) {
            throw new KilnException(fn + ": weight must have the input's dtype " + input.dtype() + ", got " + weight.dtype()
                    + " (PyTorch: expected scalar type " + Ops.torchName(input.dtype()) + " but found "
                    + Ops.torchName(weight.dtype()) + ")");
        }
    }

    private static void checkRange(String fn, Tensor target, int classes, int ignoreIndex) {
        if (!traced(target)) {
            try (var noGrad = Kiln.noGrad()) {
                Tensor bad = target.ne(ignoreIndex).logicalAnd(target.lt(0).logicalOr(target.ge(classes)));
                if (bad.to(DType.INT64).sum().item() > 0) {
                    throw new KilnException(fn + ": target values must be in [0, " + classes + ") (or the ignore index "
                            + ignoreIndex + "), got " + target.get((int) bad.to(DType.INT64).argmax().item()).item());
                }
            }
        }
    }

    private static void checkLogits(String fn, Tensor input, Tensor weight) {
        if (input.dim() != 2) {
            throw new KilnException(fn + ": the input must be [N, C] (or [C]), got shape " + input.shape());
        }
        if (!input.dtype().isFloating()) {
            throw new KilnException(fn + ": the input must be floating, got " + input.dtype());
        }
        if (weight != null && (weight.dim() != 1 || weight.size(0) != input.size(1))) {
            throw new KilnException(fn + ": weight must have one entry per class (" + input.size(1) + "), got shape " + weight.shape());
        }
    }

    /**
     * Binary cross-entropy on logits, as {@code F.binary_cross_entropy_with_logits}: stable
     * ({@code (1 − y)·x + (1 + (pw − 1)·y)·(log(1 + exp(−|x|)) + max(−x, 0))}); {@code weight} per element
     * and {@code posWeight} per class may be null.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight,
            Reduction reduction) {
        sameShape("binaryCrossEntropyWithLogits", input, target);
        Tensor softplusNeg = input.abs().neg().exp().add(1.0).log().add(input.neg().relu());
        Tensor loss = posWeight == null
                ? input.mul(target.rsub(1.0)).add(softplusNeg)
                : input.mul(target.rsub(1.0)).add(posWeight.sub(1.0).mul(target).add(1.0).mul(softplusNeg));
        if (weight != null) {
            loss = loss.mul(weight);
        }
        return reduce(loss, reduction);
    }

    /** Binary cross-entropy on probabilities, as {@code F.binary_cross_entropy} (each log clamped at −100, as PyTorch does). */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        sameShape("binaryCrossEntropy", input, target);
        if (!traced(input)) {
            try (var noGrad = Kiln.noGrad()) {
                if (input.numel() > 0 && (input.min().item() < 0 || input.max().item() > 1)) {
                    throw new KilnException("binaryCrossEntropy: the input must be probabilities in [0, 1], got values in ["
                            + input.min().item() + ", " + input.max().item() + "]; use binaryCrossEntropyWithLogits for logits");
                }
            }
        }
        Tensor logP = input.log().clampMin(-100);
        Tensor log1mP = input.rsub(1.0).log().clampMin(-100);
        Tensor loss = target.mul(logP).add(target.rsub(1.0).mul(log1mP)).neg();
        if (weight != null) {
            loss = loss.mul(weight);
        }
        return reduce(loss, reduction);
    }

    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        sameShape("l1Loss", input, target);
        return reduce(input.sub(target).abs(), reduction);
    }

    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        sameShape("mseLoss", input, target);
        return reduce(input.sub(target).pow(2), reduction);
    }

    /** ½d² where |d| &lt; δ, else δ(|d| − ½δ), as {@code F.huber_loss}. */
    public static Tensor huberLoss(Tensor input, Tensor target, double delta, Reduction reduction) {
        sameShape("huberLoss", input, target);
        if (!(delta > 0)) {
            throw new KilnException("huberLoss: delta must be positive, got " + delta);
        }
        Tensor d = input.sub(target);
        Tensor a = d.abs();
        return reduce(Tensor.where(a.lt(delta), d.mul(d).mul(0.5), a.sub(0.5 * delta).mul(delta)), reduction);
    }

    /** ½d²/β where |d| &lt; β, else |d| − ½β, as {@code F.smooth_l1_loss} (β = 0 is the L1 loss). */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, double beta, Reduction reduction) {
        sameShape("smoothL1Loss", input, target);
        if (beta < 0) {
            throw new KilnException("smoothL1Loss: beta must be non-negative, got " + beta);
        }
        Tensor d = input.sub(target);
        Tensor a = d.abs();
        if (beta == 0) {
            return reduce(a, reduction);
        }
        return reduce(Tensor.where(a.lt(beta), d.mul(d).mul(0.5 / beta), a.sub(0.5 * beta)), reduction);
    }

    private static void sameShape(String fn, Tensor input, Tensor target) {
        if (!input.shape().equals(target.shape())) {
            throw new KilnException(fn + ": input shape " + input.shape() + " and target shape " + target.shape()
                    + " differ; reshape one so both are the same");
        }
    }
}
