package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
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

    /** {@code F.leaky_relu} with PyTorch's default slope 0.01. */
    public static Tensor leakyRelu(Tensor x) {
        return leakyRelu(x, 0.01);
    }

    /** x where x &gt; 0, else {@code slope}·x (PyTorch's default slope is 0.01). */
    public static Tensor leakyRelu(Tensor x, double slope) {
        return Tensor.where(x.gt(0), x, x.mul(slope));
    }

    /** {@code F.softplus} with PyTorch's defaults β = 1, threshold = 20. */
    public static Tensor softplus(Tensor x) {
        return softplus(x, 1, 20);
    }

    /**
     * log(1 + exp(βx))/β, computed without overflow ({@link #softplusOf}), and x itself where βx &gt;
     * {@code threshold} (PyTorch's defaults: β = 1, threshold = 20).
     */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        Tensor bx = x.mul(beta);
        return Tensor.where(bx.gt(threshold), x, softplusOf(bx).div(beta));
    }

    /**
     * log(1 + e^z) as {@code where(z > 0, z, 0) + log1p(exp(−|z|))}, with |z| differentiated as z at 0: no
     * exp overflows and the gradient is sigmoid(z) everywhere (½ at 0, where {@code abs}'s gradient 0 would
     * lose it; 0 and 1 at ∓∞); NaN stays NaN.
     */
    private static Tensor softplusOf(Tensor z) {
        Tensor positive = z.gt(0.0);
        Tensor zero = Tensor.scalar(0, z.dtype());
        return Tensor.where(positive, z, zero).add(Tensor.where(positive, z.neg(), z).exp().log1p());
    }

    /** Exact GELU, {@code F.gelu(x)}. */
    public static Tensor gelu(Tensor x) {
        return gelu(x, "none");
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

    // ------------------------------------------------------------------ convolution and padding (composites: Convolution, Padding)

    /** {@code F.conv1d(input, weight)}: stride 1, no padding. */
    public static Tensor conv1d(Tensor input, Tensor weight) {
        return conv1d(input, weight, null, 1, 0, 1, 1);
    }

    /** {@code F.conv1d}: input [N, C, L] (or [C, L]), weight [O, C/groups, k], bias [O] or null. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return Convolution.conv1d(input, weight, bias, stride, new int[] {padding}, new int[] {padding}, dilation, groups);
    }

    /** {@code F.conv1d} with {@code padding} "valid" (none) or "same" (the output as long as the input; stride 1). */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, String padding, int dilation, int groups) {
        int[][] p = Convolution.named("conv1d", padding, weight.dim() == 3 ? new int[] {weight.size(2)} : new int[] {1}, new int[] {stride},
                new int[] {dilation});
        return Convolution.conv1d(input, weight, bias, stride, p[0], p[1], dilation, groups);
    }

    /** {@code F.conv2d(input, weight)}: stride 1, no padding, no bias. */
    public static Tensor conv2d(Tensor input, Tensor weight) {
        return conv2d(input, weight, null);
    }

    /** {@code F.conv2d(input, weight, bias)}: stride 1, no padding. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return conv2d(input, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
    }

    /**
     * {@code F.conv2d}: input [N, C, H, W] (or [C, H, W]), weight [O, C/groups, kH, kW], bias [O] or null; stride,
     * padding and dilation per spatial dimension; {@code groups} = C gives a depthwise convolution.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolution.conv2d(input, weight, bias, stride, Convolution.pair("padding", padding), Convolution.pair("padding", padding), dilation, groups);
    }

    /** {@code F.conv2d} with {@code padding} "valid" (none) or "same" (the output the input's size; stride 1). */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation, int groups) {
        int[] kernel = weight.dim() == 4 ? new int[] {weight.size(2), weight.size(3)} : new int[] {1, 1};
        int[][] p = Convolution.named("conv2d", padding, kernel, Convolution.pair("stride", stride), Convolution.pair("dilation", dilation));
        return Convolution.conv2d(input, weight, bias, stride, p[0], p[1], dilation, groups);
    }

    /**
     * {@code F.conv_transpose2d}: input [N, C, H, W], weight [C, O/groups, kH, kW]; the output is
     * (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1 high (and so wide).
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
            int groups, int[] dilation) {
        boolean unbatched = input.dim() == 3;
        Tensor y = Convolution.convTranspose2d(unbatched ? input.unsqueeze(0) : input, weight, bias, Convolution.pair("stride", stride),
                Convolution.pair("padding", padding), Convolution.pair("outputPadding", outputPadding), groups, Convolution.pair("dilation", dilation));
        return unbatched ? y.squeeze(0) : y;
    }

    /** {@code F.unfold} (im2col): [N, C, H, W] to the [N, C·kH·kW, L] columns of its L sliding blocks. */
    public static Tensor unfold(Tensor input, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        return Convolution.unfold(input, Convolution.pair("kernelSize", kernelSize), Convolution.pair("dilation", dilation), Convolution.pair("padding", padding),
                Convolution.pair("stride", stride));
    }

    /** {@code F.fold} (col2im): [N, C·kH·kW, L] columns summed into [N, C, outputSize] (overlaps add up). */
    public static Tensor fold(Tensor input, int[] outputSize, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        return Convolution.fold(input, Convolution.pair("outputSize", outputSize), Convolution.pair("kernelSize", kernelSize), Convolution.pair("dilation", dilation),
                Convolution.pair("padding", padding), Convolution.pair("stride", stride));
    }

    /** {@code F.pad(input, pad)}: zeros; {@code pad} lists (before, after) pairs from the last dimension backwards. */
    public static Tensor pad(Tensor input, int[] pad) {
        return pad(input, pad, "constant", 0);
    }

    /** {@code F.pad} in {@code mode} "constant" (with {@code value}; negative pads crop), "reflect", "replicate" or "circular". */
    public static Tensor pad(Tensor input, int[] pad, String mode, double value) {
        return Padding.pad(input, pad, mode, value);
    }

    // ------------------------------------------------------------------ pooling (composites: Pooling)

    /** {@code F.max_pool2d(input, k)}: stride k, no padding. */
    public static Tensor maxPool2d(Tensor input, int kernelSize) {
        return maxPool2d(input, new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    /** {@code F.max_pool2d} over [N, C, H, W] or [C, H, W]; {@code stride} null means the kernel size. */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return Pooling.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode, false).getFirst();
    }

    /**
     * {@code F.max_pool2d(..., return_indices=True)}: the values and the int64 index of each maximum in its
     * input plane (h·W + w), as {@code max_unpool2d} takes them.
     */
    public static java.util.List<Tensor> maxPool2dWithIndices(Tensor input, int[] kernelSize, int[] stride, int[] padding,
            int[] dilation, boolean ceilMode) {
        return Pooling.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode, true);
    }

    /** {@code F.avg_pool2d(input, k)}: stride k, no padding. */
    public static Tensor avgPool2d(Tensor input, int kernelSize) {
        return avgPool2d(input, new int[] {kernelSize}, null, new int[] {0}, false, true);
    }

    /** {@code F.avg_pool2d}; {@code stride} null means the kernel size; {@code countIncludePad} counts the zero padding in the divisor. */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return Pooling.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    /** {@code F.adaptive_avg_pool2d}: averages to {@code outputSize} (−1 keeps the input's size there). */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        return Pooling.adaptiveAvgPool2d(input, Convolution.pair("outputSize", outputSize));
    }

    // ------------------------------------------------------------------ normalization and dropout

    /**
     * {@code F.batch_norm} over [N, C, *]: in training, the batch's mean and biased variance normalize, and the
     * running mean and variance (either may be null) move by {@code momentum} towards the batch's mean and
     * unbiased variance, in place; in eval the running statistics normalize. Weight and bias may be null.
     */
    public static Tensor batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
            double momentum, double eps) {
        if ((runningMean == null) != (runningVar == null)) {
            throw new KilnException("batchNorm: give both running statistics or neither");
        }
        return Normalization.batchNorm(input, runningMean, runningVar, weight, bias, training, Tensor.scalar(momentum, input.dtype()), eps);
    }

    /** {@code F.layer_norm}: normalized over the last dimensions, which must be {@code normalizedShape}; weight and bias may be null. */
    public static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return Normalization.layerNorm(input, normalizedShape, weight, bias, eps);
    }

    /** {@code F.group_norm}: [N, C, *] normalized per sample over groups of C/numGroups channels; weight and bias [C] or null. */
    public static Tensor groupNorm(Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
        return Normalization.groupNorm(input, numGroups, weight, bias, eps);
    }

    /**
     * {@code F.dropout}: in training, each element zeroed with probability {@code p} (a draw from the thread's
     * default generator) and the rest scaled by 1/(1 − p); the input itself when not training or p = 0.
     */
    public static Tensor dropout(Tensor input, double p, boolean training) {
        return Dropout.dropped("dropout", input, p, training, input.shape());
    }

    /** {@code F.dropout2d}: whole channels of [N, C, H, W] zeroed (one draw per sample and channel), the rest scaled by 1/(1 − p). */
    public static Tensor dropout2d(Tensor input, double p, boolean training) {
        if (input.dim() != 3 && input.dim() != 4) {
            throw new KilnException("dropout2d: expected a 4-D input [N, C, H, W] (or 3-D, read as [N, C, L] as PyTorch 1.13 does), got shape "
                    + input.shape());
        }
        int[] mask = input.shape().toArray();
        for (int d = 2; d < mask.length; d++) {
            mask[d] = 1;
        }
        return Dropout.dropped("dropout2d", input, p, training, Shape.of(mask));
    }


    // ------------------------------------------------------------------ losses

    static Tensor reduce(Tensor perElement, Reduction reduction) {
        return switch (reduction) {
            case NONE -> perElement;
            case MEAN -> perElement.mean();
            case SUM -> perElement.sum();
        };
    }

    /** {@code F.cross_entropy(input, target)}: no weight, ignore index −100, no smoothing, the mean. */
    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, IGNORE_INDEX, 0, Reduction.MEAN);
    }

    /**
     * Cross-entropy of logits {@code input} ([N, C], [N, C, d1, ..., dk] for per-pixel classes, or [C] for
     * one sample) against class indices (int64, the input's shape without C) or class probabilities
     * (floating, the input's shape: as PyTorch, the shape decides), as {@code F.cross_entropy}: {@code weight}
     * (per class, of the input's dtype, or null), {@code ignoreIndex} (indices only), {@code labelSmoothing}
     * in [0, 1]; {@code NONE} gives [N, d1, ..., dk].
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
        Tensor w = weight == null ? null : alongClasses(weight, input.dim());
        if (target.shape().equals(input.shape())) { // class probabilities, as PyTorch decides: by shape
            if (!target.dtype().isFloating()) {
                throw new KilnException("crossEntropy: a target of the input's shape " + input.shape() + " holds class"
                        + " probabilities, which must be floating, got " + target.dtype() + " (PyTorch: Expected floating point"
                        + " type for target with class probabilities, got " + Ops.torchName(target.dtype()) + "); class indices"
                        + " have shape " + indexShape(input));
            }
            Tensor logp = input.logSoftmax(1);
            Tensor p = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
            Tensor terms = w == null ? logp.mul(p) : logp.mul(p).mul(w);
            Tensor loss = terms.sum(1, false).neg();
            // the mean is over the N·d1·…·dk positions, whatever the weights
            return reduction == Reduction.MEAN ? loss.sum().div((double) loss.numel()) : reduce(loss, reduction);
        }
        // From the logits, without the log-probabilities: log p[i, t] = x[i, t] − logsumexp(x[i]), and
        // Σ_c w_c log p[i, c] = Σ_c w_c x[i, c] − logsumexp(x[i]) Σ_c w_c (i: a sample and position, c along dim 1).
        checkTarget("crossEntropy", input, target, weight);
        checkRange("crossEntropy", target, classes, ignoreIndex);
        Tensor lse = logNormalizer(input);
        Tensor safe = safeTargets(target, ignoreIndex);
        Tensor nll = nllOfPicked(picked(input, safe).sub(lse), input, target, safe, weight, ignoreIndex, reduction);
        if (labelSmoothing == 0) {
            return nll;
        }
        Tensor valid = target.ne(ignoreIndex).to(input.dtype());
        Tensor weighted = w == null ? input.sum(1, false).sub(lse.mul((double) classes))
                : input.mul(w).sum(1, false).sub(lse.mul(weight.sum()));
        Tensor smooth = ignoredAsZero(weighted.neg(), target, ignoreIndex);
        Tensor smoothReduced = switch (reduction) {
            case NONE -> smooth;
            case SUM -> smooth.sum();
            case MEAN -> smooth.sum().div(weight == null ? valid.sum() : weightAt(weight, safe).mul(valid).sum());
        };
        return nll.mul(1 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / classes));
    }

    /** {@code F.nll_loss(input, target)}: no weight, ignore index −100, the mean. */
    public static Tensor nllLoss(Tensor input, Tensor target) {
        return nllLoss(input, target, null, IGNORE_INDEX, Reduction.MEAN);
    }

    /**
     * Negative log-likelihood of log-probabilities {@code input} ([N, C], [N, C, d1, ..., dk] or [C]) at
     * class indices {@code target} (int64, the input's shape without C; int32 is refused, as PyTorch 1.13
     * does), as {@code F.nll_loss}: the mean divides by the summed weights of the targets counted.
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

    /**
     * log Σ_c exp(x[i, c]) per row, shifted by the row's maximum as PyTorch's {@code log_softmax} is (unlike
     * {@code logsumexp}, which shifts an infinite maximum by 0): a row holding +∞, or only −∞, gives NaN, as
     * in {@code F.cross_entropy}.
     */
    private static Tensor logNormalizer(Tensor x) {
        Tensor m = x.amax(1, true).detach();
        return x.sub(m).exp().sum(1, true).log().add(m).squeeze(1);
    }

    /** 0 in the rows whose target is ignored, whatever their logits hold (NaN and ±∞ too), as PyTorch skips them. */
    private static Tensor ignoredAsZero(Tensor perRow, Tensor target, int ignoreIndex) {
        return Tensor.where(target.ne(ignoreIndex), perRow, Tensor.scalar(0, perRow.dtype()));
    }

    /** The class indices with ignored ones read as class 0 (they are weighted 0). */
    private static Tensor safeTargets(Tensor target, int ignoreIndex) {
        return Tensor.where(target.ne(ignoreIndex), target, Tensor.scalar(0, target.dtype()));
    }

    /** Each sample's (and position's) entry at its class: a gather along dim 1, whose gradient is a scatter. */
    private static Tensor picked(Tensor input, Tensor safeTargets) {
        return input.gather(1, safeTargets.unsqueeze(1)).squeeze(1);
    }

    /** Per-class weights [C] shaped [C, 1, ..., 1] to broadcast along dim 1 of a rank-{@code rank} input. */
    private static Tensor alongClasses(Tensor weight, int rank) {
        int[] dims = new int[rank - 1];
        java.util.Arrays.fill(dims, 1);
        dims[0] = weight.size(0);
        return weight.reshape(dims);
    }

    /** The weight of each target's class, in the targets' shape. */
    private static Tensor weightAt(Tensor weight, Tensor safeTargets) {
        return weight.indexSelect(0, safeTargets.reshape(-1)).reshape(safeTargets.shape().toArray());
    }

    /** −w_t·log p_t per target, reduced (the mean divides by the summed weights of the targets counted). */
    private static Tensor nllOfPicked(Tensor picked, Tensor input, Tensor target, Tensor safeTargets, Tensor weight, int ignoreIndex,
            Reduction reduction) {
        Tensor valid = target.ne(ignoreIndex).to(input.dtype());
        Tensor w = weight == null ? valid : weightAt(weight, safeTargets).to(input.dtype()).mul(valid);
        Tensor loss = ignoredAsZero(picked.mul(w).neg(), target, ignoreIndex);
        return reduction == Reduction.MEAN ? loss.sum().div(w.sum()) : reduce(loss, reduction);
    }

    /** The shape of class indices for {@code input}: [N] for [N, C], [N, d1, ..., dk] for [N, C, d1, ..., dk]. */
    private static Shape indexShape(Tensor input) {
        int[] expected = new int[input.dim() - 1];
        expected[0] = input.size(0);
        for (int i = 2; i < input.dim(); i++) {
            expected[i - 1] = input.size(i);
        }
        return Shape.of(expected);
    }

    /**
     * Class indices: int64 of the input's shape without dim 1 (PyTorch 1.13 refuses int32 too), each in
     * [0, C) or the ignore index (checked when not tracing); a class weight of the input's dtype.
     */
    private static void checkTarget(String fn, Tensor input, Tensor target, Tensor weight) {
        Shape expected = indexShape(input);
        if (target.dtype() != DType.INT64) {
            boolean probabilities = fn.equals("crossEntropy") && target.dtype().isFloating();
            throw new KilnException(fn + ": class indices must be int64, got " + target.dtype() + " " + target.shape()
                    + " (PyTorch: expected scalar type Long but found " + Ops.torchName(target.dtype()) + "); convert them with"
                    + " target.to(DType.INT64)" + (probabilities ? " (a floating target is read as class probabilities only"
                    + " with the input's shape " + input.shape() + ")" : "")
                    + (target.shape().equals(expected) ? "" : ", of shape " + expected));
        }
        if (!target.shape().equals(expected)) {
            throw new KilnException(fn + ": the target must be int64 class indices of shape " + expected
                    + " (the input's " + input.shape() + " without the class dimension 1), got " + target.dtype() + " "
                    + target.shape());
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
                Tensor bad = target.ne(ignoreIndex).logicalAnd(target.lt(0).logicalOr(target.ge(classes))).reshape(-1);
                if (bad.to(DType.INT64).sum().item() > 0) {
                    throw new KilnException(fn + ": target values must be in [0, " + classes + ") (or the ignore index "
                            + ignoreIndex + "), got " + target.reshape(-1).get((int) bad.to(DType.INT64).argmax().item()).item());
                }
            }
        }
    }

    private static void checkLogits(String fn, Tensor input, Tensor weight) {
        if (input.dim() < 2) {
            throw new KilnException(fn + ": the input must be [N, C], [N, C, d1, ..., dk] or [C], got shape " + input.shape());
        }
        if (!input.dtype().isFloating()) {
            throw new KilnException(fn + ": the input must be floating, got " + input.dtype());
        }
        if (weight != null && (weight.dim() != 1 || weight.size(0) != input.size(1))) {
            throw new KilnException(fn + ": weight must have one entry per class (" + input.size(1) + "), got shape " + weight.shape());
        }
    }

    /** {@code F.binary_cross_entropy_with_logits(input, target)}: no weights, the mean. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, null, Reduction.MEAN);
    }

    /**
     * Binary cross-entropy on logits, as {@code F.binary_cross_entropy_with_logits}: {@code (1 − y)·x + (1 +
     * (pw − 1)·y)·softplus(−x)}, stable, so the gradient is PyTorch's {@code (1 + (pw − 1)·y)·sigmoid(x) − pw·y}
     * everywhere (x = 0 and ±∞ too); {@code weight} per element and {@code posWeight} per class may be null.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight,
            Reduction reduction) {
        sameShape("binaryCrossEntropyWithLogits", input, target);
        Tensor softplusNeg = softplusOf(input.neg());
        Tensor loss = posWeight == null
                ? input.mul(target.rsub(1.0)).add(softplusNeg)
                : input.mul(target.rsub(1.0)).add(posWeight.sub(1.0).mul(target).add(1.0).mul(softplusNeg));
        if (weight != null) {
            loss = loss.mul(weight);
        }
        return reduce(loss, reduction);
    }

    /** {@code F.binary_cross_entropy(input, target)}: no weight, the mean. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return binaryCrossEntropy(input, target, null, Reduction.MEAN);
    }

    /**
     * Binary cross-entropy on probabilities, as {@code F.binary_cross_entropy}: each log clamped at −100 and
     * PyTorch's gradient (finite where p is exactly 0 or 1; {@link BinaryCrossEntropy}). Outside a compiled
     * function an input outside [0, 1], NaN included, is refused, as PyTorch refuses it.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        sameShape("binaryCrossEntropy", input, target);
        if (!traced(input)) {
            try (var noGrad = Kiln.noGrad()) {
                double min = input.numel() == 0 ? 0 : input.min().item();
                double max = input.numel() == 0 ? 0 : input.max().item();
                if (!(min >= 0 && max <= 1)) { // NaN fails both
                    throw new KilnException("binaryCrossEntropy: the input must be probabilities in [0, 1], got "
                            + (Double.isNaN(min) ? "NaN" : "values in [" + min + ", " + max + "]")
                            + "; use binaryCrossEntropyWithLogits for logits");
                }
            }
        }
        Tensor loss = new BinaryCrossEntropy().apply(input, target);
        if (weight != null) {
            loss = loss.mul(weight);
        }
        return reduce(loss, reduction);
    }

    /** {@code F.l1_loss(input, target)}: the mean. */
    public static Tensor l1Loss(Tensor input, Tensor target) {
        return l1Loss(input, target, Reduction.MEAN);
    }

    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        sameShape("l1Loss", input, target);
        return reduce(input.sub(target).abs(), reduction);
    }

    /** {@code F.mse_loss(input, target)}: the mean. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, Reduction.MEAN);
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
        Tensor linear = a.ge(delta);
        Tensor q = quadraticPart(d, linear);
        return reduce(Tensor.where(linear, a.sub(0.5 * delta).mul(delta), q.mul(q).mul(0.5)), reduction);
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
        Tensor linear = a.ge(beta);
        Tensor q = quadraticPart(d, linear);
        return reduce(Tensor.where(linear, a.sub(0.5 * beta), q.mul(q).mul(0.5 / beta)), reduction);
    }

    /**
     * d where the quadratic branch is taken, else 0: the branch not taken still gets a zero gradient, and
     * 0·d² would turn an infinite d into a NaN gradient. NaN takes the quadratic branch, as in PyTorch's
     * backward, so its gradient is NaN.
     */
    private static Tensor quadraticPart(Tensor d, Tensor linear) {
        return Tensor.where(linear, Tensor.scalar(0, d.dtype()), d);
    }

    private static void sameShape(String fn, Tensor input, Tensor target) {
        if (!input.shape().equals(target.shape())) {
            throw new KilnException(fn + ": input shape " + input.shape() + " and target shape " + target.shape()
                    + " differ; reshape one so both are the same");
        }
    }
}
