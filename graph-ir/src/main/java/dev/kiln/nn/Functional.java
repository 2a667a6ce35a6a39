package dev.kiln.nn;

import static dev.kiln.nn.Convolution.pair;

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

    /**
     * As {@code F.softmax(x, dim)}: exp(x) normalized to sum to 1 along {@code dim}, computed stably (the
     * detached maximum subtracted first).
     *
     * @param x a floating tensor
     * @param dim the dimension that sums to 1 (negative counts from the end)
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor softmax(Tensor x, int dim) {
        return x.softmax(dim);
    }

    /**
     * As {@code F.log_softmax(x, dim)}: the log of {@link #softmax(Tensor, int)}, computed stably as
     * x − logsumexp(x) along {@code dim}.
     *
     * @param x a floating tensor
     * @param dim the dimension normalized over (negative counts from the end)
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return x.logSoftmax(dim);
    }

    /**
     * As {@code F.relu(x)}: max(x, 0) element-wise; NaN stays NaN, and the gradient at 0 is 0.
     *
     * @param x the input
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    /**
     * As {@code F.silu(x)} (swish): x·sigmoid(x) element-wise.
     *
     * @param x a floating tensor
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor silu(Tensor x) {
        return x.mul(x.sigmoid());
    }

    /**
     * As {@code F.leaky_relu(x)}: x where x &gt; 0, else 0.01·x (PyTorch's default slope).
     *
     * @param x the input
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor leakyRelu(Tensor x) {
        return leakyRelu(x, 0.01);
    }

    /**
     * As {@code F.leaky_relu(x, negative_slope)}: x where x &gt; 0, else {@code slope}·x.
     *
     * @param x the input
     * @param slope the factor applied where x ≤ 0 (PyTorch's default is 0.01)
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor leakyRelu(Tensor x, double slope) {
        return Tensor.where(x.gt(0), x, x.mul(slope));
    }

    /**
     * As {@code F.softplus(x)}: log(1 + exp(x)), and x itself where x &gt; 20 (PyTorch's defaults β = 1,
     * threshold = 20).
     *
     * @param x a floating tensor
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor softplus(Tensor x) {
        return softplus(x, 1, 20);
    }

    /**
     * log(1 + exp(βx))/β, computed without overflow ({@link #softplusOf}), and x itself where βx &gt;
     * {@code threshold} (PyTorch's defaults: β = 1, threshold = 20), as {@code F.softplus}.
     *
     * @param x a floating tensor
     * @param beta the sharpness β
     * @param threshold the value of βx above which x itself is returned
     * @return a tensor of {@code x}'s shape and dtype
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

    /**
     * As {@code F.gelu(x)}: the exact GELU, x·Φ(x) with Φ computed through {@code erf}.
     *
     * @param x a floating tensor
     * @return a tensor of {@code x}'s shape and dtype
     */
    public static Tensor gelu(Tensor x) {
        return gelu(x, "none");
    }

    /**
     * GELU, x·Φ(x): exact ({@code approximate = "none"}, with {@code erf}) or its tanh approximation
     * ({@code "tanh"}), as {@code F.gelu}.
     *
     * @param x a floating tensor
     * @param approximate {@code "none"} or {@code "tanh"}
     * @return a tensor of {@code x}'s shape and dtype
     * @throws KilnException if {@code approximate} is neither {@code "none"} nor {@code "tanh"}
     */
    public static Tensor gelu(Tensor x, String approximate) {
        return switch (approximate) {
            case "none" -> x.mul(x.mul(Math.sqrt(0.5)).erf().add(1.0)).mul(0.5);
            case "tanh" -> x.mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1.0)).mul(0.5);
            default -> throw new KilnException("gelu: approximate is \"none\" or \"tanh\", got \"" + approximate + "\"");
        };
    }

    /**
     * As {@code F.one_hot(index, num_classes)}: int64 one-hot rows of {@code numClasses} for integer class
     * indices; not differentiable. The indices' range is checked when run eagerly.
     *
     * @param index integer class indices, each in [0, numClasses)
     * @param numClasses the number of classes, or −1 (as PyTorch's) for one more than the largest index, which only an
     *     eager call can read
     * @return an int64 tensor of {@code index}'s shape with one more, last dimension of the class count
     * @throws KilnException if {@code index} is floating or bool, if {@code numClasses} is below −1, if an index lies
     *     outside [0, numClasses) (eagerly), or if {@code numClasses} is −1 inside a compiled function or for an empty
     *     {@code index}
     */
    public static Tensor oneHot(Tensor index, int numClasses) {
        if (index.dtype().isFloating() || index.dtype() == DType.BOOL) {
            throw new KilnException("oneHot: the indices must be an integer tensor, got " + index.dtype());
        }
        if (numClasses < -1) {
            throw new KilnException("oneHot: numClasses must be -1 (one more than the largest index) or at least 0, got " + numClasses);
        }
        if (numClasses == -1 && traced(index)) {
            throw new KilnException("oneHot: inside a compiled function give numClasses; it cannot be read from the values");
        }
        if (numClasses == -1 && index.numel() == 0) {
            throw new KilnException("oneHot: cannot infer the number of classes from an empty tensor (shape " + index.shape()
                    + "); give numClasses");
        }
        int classes = numClasses == -1 ? (int) index.max().item() + 1 : numClasses;
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

    /**
     * As {@code F.conv1d(input, weight)}: no bias, stride 1, no padding, dilation 1, one group.
     *
     * @param input [N, C, L], or [C, L] for one sample
     * @param weight [O, C, k]
     * @return [N, O, L − k + 1] (or [O, L − k + 1] for one sample)
     * @throws KilnException if the shapes do not fit together or the kernel is longer than the input
     */
    public static Tensor conv1d(Tensor input, Tensor weight) {
        return conv1d(input, weight, null, 1, 0, 1, 1);
    }

    /**
     * As {@code F.conv1d}: the 1-D cross-correlation of {@code input} with {@code weight}, plus {@code bias}.
     *
     * @param input [N, C, L], or [C, L] for one sample
     * @param weight [O, C/groups, k]; O must be divisible by {@code groups}
     * @param bias [O], or null for none
     * @param stride the step between windows, positive
     * @param padding the zeros added at each end, at least 0
     * @param dilation the spacing between kernel elements, positive
     * @param groups how many independent groups the channels are split into, positive
     * @return [N, O, Lout] (or [O, Lout]), Lout = ⌊(L + 2·padding − dilation·(k − 1) − 1)/stride⌋ + 1
     * @throws KilnException if the shapes do not fit together, a size is out of range or the dilated kernel is
     *     longer than the padded input
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return Convolution.conv1d(input, weight, bias, stride, new int[] {padding}, new int[] {padding}, dilation, groups);
    }

    /**
     * As {@code F.conv1d} with a named {@code padding}: "valid" (none) or "same" (the output as long as the input,
     * total padding dilation·(k − 1), the odd one extra at the end; stride must be 1).
     *
     * @param input [N, C, L], or [C, L] for one sample
     * @param weight [O, C/groups, k]; O must be divisible by {@code groups}
     * @param bias [O], or null for none
     * @param stride the step between windows, positive (1 for "same")
     * @param padding "valid" or "same"
     * @param dilation the spacing between kernel elements, positive
     * @param groups how many independent groups the channels are split into, positive
     * @return [N, O, Lout] (or [O, Lout]); Lout = L for "same"
     * @throws KilnException if {@code padding} is another name, "same" has a stride other than 1, or the shapes
     *     or sizes do not fit together
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, String padding, int dilation, int groups) {
        int[][] p = Convolution.named("conv1d", padding, weight.dim() == 3 ? new int[] {weight.size(2)} : new int[] {1}, new int[] {stride},
                new int[] {dilation});
        return Convolution.conv1d(input, weight, bias, stride, p[0], p[1], dilation, groups);
    }

    /**
     * As {@code F.conv2d(input, weight)}: no bias, stride 1, no padding, dilation 1, one group.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param weight [O, C, kH, kW]
     * @return [N, O, H − kH + 1, W − kW + 1] (or without N for one sample)
     * @throws KilnException if the shapes do not fit together or the kernel is larger than the input
     */
    public static Tensor conv2d(Tensor input, Tensor weight) {
        return conv2d(input, weight, null);
    }

    /**
     * As {@code F.conv2d(input, weight, bias)}: stride 1, no padding, dilation 1, one group.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param weight [O, C, kH, kW]
     * @param bias [O], or null for none
     * @return [N, O, H − kH + 1, W − kW + 1] (or without N for one sample)
     * @throws KilnException if the shapes do not fit together or the kernel is larger than the input
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return conv2d(input, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
    }

    /**
     * {@code F.conv2d}: input [N, C, H, W] (or [C, H, W]), weight [O, C/groups, kH, kW], bias [O] or null; stride,
     * padding and dilation per spatial dimension; {@code groups} = C gives a depthwise convolution.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param weight [O, C/groups, kH, kW]; O must be divisible by {@code groups}
     * @param bias [O], or null for none
     * @param stride the step between windows, positive: one value for both dimensions or (sH, sW)
     * @param padding the zeros added on each side, at least 0: one value or (pH, pW)
     * @param dilation the spacing between kernel elements, positive: one value or (dH, dW)
     * @param groups how many independent groups the channels are split into, positive
     * @return [N, O, Hout, Wout] (or without N), Hout = ⌊(H + 2·pH − dH·(kH − 1) − 1)/sH⌋ + 1, and so Wout
     * @throws KilnException if the shapes do not fit together, an array does not hold one or two values, a size is
     *     out of range or the dilated kernel is larger than the padded input
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolution.conv2d(input, weight, bias, stride, pair("padding", padding), pair("padding", padding), dilation, groups);
    }

    /**
     * As {@code F.conv2d} with a named {@code padding}: "valid" (none) or "same" (the output the input's size,
     * total padding dilation·(k − 1) per dimension, the odd one extra after; stride must be 1).
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param weight [O, C/groups, kH, kW]; O must be divisible by {@code groups}
     * @param bias [O], or null for none
     * @param stride the step between windows: one value or (sH, sW); 1 for "same"
     * @param padding "valid" or "same"
     * @param dilation the spacing between kernel elements, positive: one value or (dH, dW)
     * @param groups how many independent groups the channels are split into, positive
     * @return [N, O, Hout, Wout] (or without N); [N, O, H, W] for "same"
     * @throws KilnException if {@code padding} is another name, "same" has a stride other than 1, or the shapes
     *     or sizes do not fit together
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation, int groups) {
        int[] kernel = weight.dim() == 4 ? new int[] {weight.size(2), weight.size(3)} : new int[] {1, 1};
        int[][] p = Convolution.named("conv2d", padding, kernel, pair("stride", stride), pair("dilation", dilation));
        return Convolution.conv2d(input, weight, bias, stride, p[0], p[1], dilation, groups);
    }

    /**
     * {@code F.conv_transpose2d}: input [N, C, H, W], weight [C, O/groups, kH, kW]; the output is
     * (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1 high (and so wide).
     * The parameters come in PyTorch's order (groups before dilation).
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param weight [C, O/groups, kH, kW]; C must be divisible by {@code groups}
     * @param bias [O], or null for none
     * @param stride the stride of the convolution this transposes, positive: one value or (sH, sW)
     * @param padding the padding of that convolution, removed from each side of the output: one value or (pH, pW)
     * @param outputPadding extra size added to one side of the output, smaller than the stride or the dilation:
     *     one value or (oH, oW)
     * @param groups how many independent groups the channels are split into, positive
     * @param dilation the spacing between kernel elements, positive: one value or (dH, dW)
     * @return [N, O, Hout, Wout] (or without N), sized as above
     * @throws KilnException if the shapes do not fit together, an array does not hold one or two values, a size is
     *     out of range or the output size would not be positive
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
            int groups, int[] dilation) {
        boolean unbatched = input.dim() == 3;
        Tensor y = Convolution.convTranspose2d(unbatched ? input.unsqueeze(0) : input, weight, bias, pair("stride", stride),
                pair("padding", padding), pair("outputPadding", outputPadding), groups, pair("dilation", dilation));
        return unbatched ? y.squeeze(0) : y;
    }

    /**
     * As {@code F.unfold} (im2col): [N, C, H, W] to the [N, C·kH·kW, L] columns of its L sliding blocks.
     * Each size array holds one value for both dimensions or two.
     *
     * @param input [N, C, H, W] (the unbatched [C, H, W] is not accepted)
     * @param kernelSize the block size, positive: one value or (kH, kW)
     * @param dilation the spacing between block elements, positive: one value or (dH, dW)
     * @param padding the zeros added on each side, at least 0: one value or (pH, pW)
     * @param stride the step between blocks, positive: one value or (sH, sW)
     * @return [N, C·kH·kW, L], L the number of blocks
     * @throws KilnException if {@code input} is not 4-D, an array does not hold one or two values, a size is out
     *     of range or the dilated kernel is larger than the padded input
     */
    public static Tensor unfold(Tensor input, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        return Convolution.unfold(input, pair("kernelSize", kernelSize), pair("dilation", dilation), pair("padding", padding),
                pair("stride", stride));
    }

    /**
     * As {@code F.fold} (col2im): [N, C·kH·kW, L] columns summed into [N, C, outputSize] (overlaps add up);
     * the inverse arrangement of {@link #unfold}. Each size array holds one value for both dimensions or two.
     *
     * @param input [N, C·kH·kW, L], L the number of blocks that fit {@code outputSize} (the unbatched 2-D form
     *     is not accepted)
     * @param outputSize the output's spatial size: one value or (H, W)
     * @param kernelSize the block size, positive: one value or (kH, kW)
     * @param dilation the spacing between block elements, positive: one value or (dH, dW)
     * @param padding the padding the blocks were taken with, dropped from the output: one value or (pH, pW)
     * @param stride the step between blocks, positive: one value or (sH, sW)
     * @return [N, C, H, W]
     * @throws KilnException if {@code input} is not 3-D or its sizes do not match the kernel and block count, an
     *     array does not hold one or two values, or a size is out of range
     */
    public static Tensor fold(Tensor input, int[] outputSize, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        return Convolution.fold(input, pair("outputSize", outputSize), pair("kernelSize", kernelSize), pair("dilation", dilation),
                pair("padding", padding), pair("stride", stride));
    }

    /**
     * As {@code F.pad(input, pad)}: pads with zeros; negative pads crop.
     *
     * @param input the tensor to pad
     * @param pad (before, after) pairs from the last dimension backwards, for at most {@code input.dim()} dimensions
     * @return {@code input} with each listed dimension grown by its before + after
     * @throws KilnException if {@code pad} has an odd length or more pairs than {@code input} has dimensions
     */
    public static Tensor pad(Tensor input, int[] pad) {
        return pad(input, pad, "constant", 0);
    }

    /**
     * As {@code F.pad} in {@code mode} "constant" (with {@code value}; negative pads crop), "reflect" (mirrored
     * without repeating the edge), "replicate" (the edge repeated) or "circular" (wrapped around).
     *
     * @param input the tensor to pad
     * @param pad (before, after) pairs from the last dimension backwards, for at most {@code input.dim()} dimensions;
     *     non-negative except in "constant" mode
     * @param mode "constant", "reflect", "replicate" or "circular"
     * @param value the fill of "constant" mode (ignored by the others)
     * @return {@code input} with each listed dimension grown by its before + after
     * @throws KilnException if {@code pad} has an odd length or too many pairs, {@code mode} is unknown (checked
     *     only when {@code pad} is not empty), or a pad is negative outside "constant" mode, not below the
     *     dimension's size ("reflect"), above it ("circular"), or the dimension is empty
     */
    public static Tensor pad(Tensor input, int[] pad, String mode, double value) {
        return Padding.pad(input, pad, mode, value);
    }

    // ------------------------------------------------------------------ pooling (composites: Pooling)

    /**
     * As {@code F.max_pool2d(input, k)}: the maximum of each k×k window, stride k, no padding, dilation 1,
     * the output size rounded down.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param kernelSize the window's height and width, positive
     * @return [N, C, ⌊H/k⌋, ⌊W/k⌋] (or without N)
     * @throws KilnException if {@code input} is not 3-D or 4-D, or {@code kernelSize} is not positive or exceeds H or W
     */
    public static Tensor maxPool2d(Tensor input, int kernelSize) {
        return maxPool2d(input, new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    /**
     * As {@code F.max_pool2d} over [N, C, H, W] or [C, H, W]: each window's maximum (NaN counts as the maximum;
     * the gradient goes to the window's first maximum, as in PyTorch); {@code stride} null means the kernel size.
     * Each size array holds one value for both dimensions or two.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param kernelSize the window size, positive: one value or (kH, kW)
     * @param stride the step between windows, positive: one value or (sH, sW); null for the kernel size
     * @param padding the implicit −∞ padding on each side, at most half the kernel size: one value or (pH, pW)
     * @param dilation the spacing between window elements, positive: one value or (dH, dW)
     * @param ceilMode whether the output size rounds up rather than down (a last window must still start inside
     *     the input or its left padding)
     * @return [N, C, Hout, Wout] (or without N), Hout = ⌊(H + 2·pH − dH·(kH − 1) − 1)/sH⌋ + 1 (rounded up with
     *     {@code ceilMode}), and so Wout
     * @throws KilnException if {@code input} is not 3-D or 4-D, an array does not hold one or two values, a size is
     *     out of range, or the output would be empty
     */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return Pooling.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode, false).getFirst();
    }

    /**
     * {@code F.max_pool2d(..., return_indices=True)}: the values and the int64 index of each maximum in its
     * input plane (h·W + w), as {@code max_unpool2d} takes them. The parameters are those of
     * {@link #maxPool2d(Tensor, int[], int[], int[], int[], boolean)}.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param kernelSize the window size, positive: one value or (kH, kW)
     * @param stride the step between windows, positive: one value or (sH, sW); null for the kernel size
     * @param padding the implicit −∞ padding on each side, at most half the kernel size: one value or (pH, pW)
     * @param dilation the spacing between window elements, positive: one value or (dH, dW)
     * @param ceilMode whether the output size rounds up rather than down
     * @return two tensors of the same shape [N, C, Hout, Wout] (or without N): the maxima, and their int64
     *     positions in the input plane (not differentiable)
     * @throws KilnException if {@code input} is not 3-D or 4-D, an array does not hold one or two values, a size is
     *     out of range, or the output would be empty
     */
    public static java.util.List<Tensor> maxPool2dWithIndices(Tensor input, int[] kernelSize, int[] stride, int[] padding,
            int[] dilation, boolean ceilMode) {
        return Pooling.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode, true);
    }

    /**
     * As {@code F.avg_pool2d(input, k)}: the mean of each k×k window, stride k, no padding, the output size
     * rounded down.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param kernelSize the window's height and width, positive
     * @return [N, C, ⌊H/k⌋, ⌊W/k⌋] (or without N)
     * @throws KilnException if {@code input} is not 3-D or 4-D, or {@code kernelSize} is not positive or exceeds H or W
     */
    public static Tensor avgPool2d(Tensor input, int kernelSize) {
        return avgPool2d(input, new int[] {kernelSize}, null, new int[] {0}, false, true);
    }

    /**
     * As {@code F.avg_pool2d}: each window's sum divided by PyTorch's divisor; {@code stride} null means the
     * kernel size; {@code countIncludePad} counts the zero padding in the divisor. Each size array holds one value
     * for both dimensions or two.
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param kernelSize the window size, positive: one value or (kH, kW)
     * @param stride the step between windows, positive: one value or (sH, sW); null for the kernel size
     * @param padding the zero padding on each side, at most half the kernel size: one value or (pH, pW)
     * @param ceilMode whether the output size rounds up rather than down
     * @param countIncludePad whether the padding's zeros count in a window's divisor (PyTorch's default: true)
     * @return [N, C, Hout, Wout] (or without N), Hout = ⌊(H + 2·pH − kH)/sH⌋ + 1 (rounded up with {@code ceilMode}),
     *     and so Wout
     * @throws KilnException if {@code input} is not 3-D or 4-D, an array does not hold one or two values, a size is
     *     out of range, or the output would be empty
     */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return Pooling.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    /**
     * As {@code F.adaptive_avg_pool2d}: averages to {@code outputSize}; output cell i averages input rows
     * ⌊i·H/OH⌋ to ⌈(i + 1)·H/OH⌉ (and so for columns).
     *
     * @param input [N, C, H, W], or [C, H, W] for one sample
     * @param outputSize (OH, OW), or one value for both; a negative entry (PyTorch's None) keeps the input's size
     * @return [N, C, OH, OW] (or without N)
     * @throws KilnException if {@code input} is not 3-D or 4-D or has no rows or columns, an output size is 0, or
     *     {@code outputSize} does not hold one or two values
     */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        return Pooling.adaptiveAvgPool2d(input, pair("outputSize", outputSize));
    }

    // ------------------------------------------------------------------ normalization and dropout

    /**
     * {@code F.batch_norm} over [N, C, *]: in training, the batch's mean and biased variance normalize, and the
     * running mean and variance (either may be null) move by {@code momentum} towards the batch's mean and
     * unbiased variance, in place; in eval the running statistics normalize. Weight and bias may be null.
     * Without running statistics the batch's statistics normalize in eval too, as in PyTorch.
     *
     * @param input [N, C, *], at least 2-D
     * @param runningMean [C], updated in place when training, or null (then {@code runningVar} must be null too)
     * @param runningVar [C], updated in place when training, or null (then {@code runningMean} must be null too)
     * @param weight [C], the per-channel scale γ, or null for none
     * @param bias [C], the per-channel shift β, or null for none
     * @param training whether the batch's statistics normalize and update the running ones
     * @param momentum the weight of the batch in the update: running ← (1 − momentum)·running + momentum·batch
     *     (PyTorch's default 0.1; its cumulative {@code momentum=None} is not supported)
     * @param eps added to the variance for stability (PyTorch's default 1e-5)
     * @return the normalized tensor, of {@code input}'s shape
     * @throws KilnException if only one running statistic is given, {@code input} is below 2-D, a per-channel tensor
     *     is not [C], or the batch's statistics are used with only one value per channel
     */
    public static Tensor batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
            double momentum, double eps) {
        if ((runningMean == null) != (runningVar == null)) {
            throw new KilnException("batchNorm: give both running statistics or neither");
        }
        return Normalization.batchNorm(input, runningMean, runningVar, weight, bias, training, Tensor.scalar(momentum, input.dtype()), eps);
    }

    /**
     * As {@code F.layer_norm}: each sample normalized by the mean and biased variance of its last dimensions,
     * which must be {@code normalizedShape}, then scaled and shifted element-wise.
     *
     * @param input [*, normalizedShape]
     * @param normalizedShape the sizes of the trailing dimensions normalized over, at least one
     * @param weight of shape {@code normalizedShape}, the scale γ, or null for none
     * @param bias of shape {@code normalizedShape}, the shift β, or null for none
     * @param eps added to the variance for stability (PyTorch's default 1e-5)
     * @return the normalized tensor, of {@code input}'s shape
     * @throws KilnException if {@code normalizedShape} is empty or not {@code input}'s trailing sizes, or
     *     {@code weight} or {@code bias} is not of that shape
     */
    public static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return Normalization.layerNorm(input, normalizedShape, weight, bias, eps);
    }

    /**
     * As {@code F.group_norm}: [N, C, *] normalized per sample by the mean and biased variance of each group of
     * C/numGroups channels (over all their positions), then scaled and shifted per channel.
     *
     * @param input [N, C, *], at least 2-D
     * @param numGroups how many groups the channels are split into; must divide C
     * @param weight [C], the per-channel scale γ, or null for none
     * @param bias [C], the per-channel shift β, or null for none
     * @param eps added to the variance for stability (PyTorch's default 1e-5)
     * @return the normalized tensor, of {@code input}'s shape
     * @throws KilnException if {@code input} is below 2-D, {@code numGroups} is not a positive divisor of C, or
     *     {@code weight} or {@code bias} is not [C]
     */
    public static Tensor groupNorm(Tensor input, int numGroups, Tensor weight, Tensor bias, double eps) {
        return Normalization.groupNorm(input, numGroups, weight, bias, eps);
    }

    /**
     * {@code F.dropout}: in training, each element zeroed with probability {@code p} (a draw from the thread's
     * default generator) and the rest scaled by 1/(1 − p); the input itself when not training or p = 0.
     *
     * @param input a floating tensor
     * @param p the probability of zeroing an element, in [0, 1) (PyTorch also takes 1)
     * @param training whether to drop; false returns {@code input} unchanged
     * @return a tensor of {@code input}'s shape (the input itself when not training, p = 0 or it is empty)
     * @throws KilnException if {@code p} is outside [0, 1) or {@code input} is not floating
     */
    public static Tensor dropout(Tensor input, double p, boolean training) {
        return Dropout.dropped("dropout", input, p, training, input.shape());
    }

    /**
     * As {@code F.dropout2d}: whole channels of [N, C, H, W] zeroed in training (one draw per sample and channel,
     * from the thread's default generator), the rest scaled by 1/(1 − p).
     *
     * @param input a floating [N, C, H, W], or [N, C, L] (channels of length L, as PyTorch 1.13 reads 3-D input)
     * @param p the probability of zeroing a channel, in [0, 1)
     * @param training whether to drop; false returns {@code input} unchanged
     * @return a tensor of {@code input}'s shape (the input itself when not training, p = 0 or it is empty)
     * @throws KilnException if {@code input} is not 3-D or 4-D or not floating, or {@code p} is outside [0, 1)
     */
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

    /**
     * As {@code F.cross_entropy(input, target)}: no weight, ignore index −100, no smoothing, the mean; see
     * {@link #crossEntropy(Tensor, Tensor, Tensor, int, double, Reduction)}.
     *
     * @param input floating logits [N, C], [N, C, d1, ..., dk], or [C] for one sample
     * @param target int64 class indices of the input's shape without C, or floating class probabilities of
     *     the input's shape
     * @return the mean loss, 0-d
     * @throws KilnException if the input or target has the wrong shape or dtype, or (eagerly) a class index lies
     *     outside [0, C) and is not −100
     */
    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, IGNORE_INDEX, 0, Reduction.MEAN);
    }

    /**
     * Cross-entropy of logits {@code input} ([N, C], [N, C, d1, ..., dk] for per-pixel classes, or [C] for
     * one sample) against class indices (int64, the input's shape without C) or class probabilities
     * (floating, the input's shape: as PyTorch, the shape decides), as {@code F.cross_entropy}: {@code weight}
     * (per class, of the input's dtype, or null), {@code ignoreIndex} (indices only), {@code labelSmoothing}
     * in [0, 1]; {@code NONE} gives [N, d1, ..., dk]. The class indices' range is checked when run eagerly.
     *
     * @param input floating logits [N, C], [N, C, d1, ..., dk], or [C] for one sample
     * @param target int64 class indices of the input's shape without C (each in [0, C) or {@code ignoreIndex}),
     *     or floating class probabilities of the input's shape
     * @param weight [C], a rescaling of each class's loss, of the input's dtype, or null for none
     * @param ignoreIndex a class index whose targets add nothing to the loss or to the mean's divisor (PyTorch's
     *     default {@link #IGNORE_INDEX}); unused with class probabilities
     * @param labelSmoothing ε in [0, 1]: the target becomes (1 − ε)·target + ε/C (PyTorch's default 0)
     * @param reduction {@code NONE} (per position), {@code MEAN} (divided by the summed weights of the targets
     *     counted; by N·d1·…·dk for class probabilities) or {@code SUM}
     * @return the loss: 0-d, or [N, d1, ..., dk] for {@code NONE} (0-d for a [C] input)
     * @throws KilnException if {@code labelSmoothing} is outside [0, 1], the input is not floating or is 0-d,
     *     {@code weight} is not [C] (or, with class indices, not of the input's dtype), a probability target is not
     *     floating, class indices are not int64 or of the wrong shape, or (eagerly) an index lies outside [0, C)
     *     and is not {@code ignoreIndex}
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

    /**
     * As {@code F.nll_loss(input, target)}: no weight, ignore index −100, the mean; see
     * {@link #nllLoss(Tensor, Tensor, Tensor, int, Reduction)}.
     *
     * @param input floating log-probabilities [N, C], [N, C, d1, ..., dk], or [C] for one sample
     * @param target int64 class indices of the input's shape without C
     * @return the mean loss, 0-d
     * @throws KilnException if the input or target has the wrong shape or dtype, or (eagerly) a class index lies
     *     outside [0, C) and is not −100
     */
    public static Tensor nllLoss(Tensor input, Tensor target) {
        return nllLoss(input, target, null, IGNORE_INDEX, Reduction.MEAN);
    }

    /**
     * Negative log-likelihood of log-probabilities {@code input} ([N, C], [N, C, d1, ..., dk] or [C]) at
     * class indices {@code target} (int64, the input's shape without C; int32 is refused, as PyTorch 1.13
     * does), as {@code F.nll_loss}: the mean divides by the summed weights of the targets counted. The class
     * indices' range is checked when run eagerly.
     *
     * @param input floating log-probabilities [N, C], [N, C, d1, ..., dk], or [C] for one sample
     * @param target int64 class indices of the input's shape without C, each in [0, C) or {@code ignoreIndex}
     * @param weight [C], a rescaling of each class's loss, of the input's dtype, or null for none
     * @param ignoreIndex a class index whose targets add nothing to the loss or to the mean's divisor (PyTorch's
     *     default {@link #IGNORE_INDEX})
     * @param reduction {@code NONE} (per position, 0 where ignored), {@code MEAN} or {@code SUM}
     * @return the loss: 0-d, or [N, d1, ..., dk] for {@code NONE} (0-d for a [C] input)
     * @throws KilnException if the input is not floating or is 0-d, {@code weight} is not [C] or not of the input's
     *     dtype, the target is not int64 or of the wrong shape, or (eagerly) an index lies outside [0, C) and is
     *     not {@code ignoreIndex}
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

    /**
     * As {@code F.binary_cross_entropy_with_logits(input, target)}: no weights, the mean; see
     * {@link #binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, Tensor, Reduction)}.
     *
     * @param input logits, any shape
     * @param target the probabilities of class 1, of the input's shape
     * @return the mean loss, 0-d
     * @throws KilnException if {@code input} and {@code target} differ in shape (PyTorch broadcasts them with a warning)
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, null, Reduction.MEAN);
    }

    /**
     * Binary cross-entropy on logits, as {@code F.binary_cross_entropy_with_logits}: {@code (1 − y)·x + (1 +
     * (pw − 1)·y)·softplus(−x)}, stable, so the gradient is PyTorch's {@code (1 + (pw − 1)·y)·sigmoid(x) − pw·y}
     * everywhere (x = 0 and ±∞ too); {@code weight} per element and {@code posWeight} per class may be null.
     *
     * @param input logits, any shape
     * @param target the probabilities of class 1, of the input's shape
     * @param weight a rescaling of each element's loss, broadcast against the input, or null for none
     * @param posWeight pw, the weight of positive examples per class, broadcast along the last dimension, or null
     *     for none (pw = 1)
     * @param reduction {@code NONE} (per element, the input's shape), {@code MEAN} or {@code SUM} (0-d)
     * @return the loss: 0-d, or the input's shape for {@code NONE}
     * @throws KilnException if {@code input} and {@code target} differ in shape (PyTorch broadcasts them with a warning)
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

    /**
     * As {@code F.binary_cross_entropy(input, target)}: no weight, the mean; see
     * {@link #binaryCrossEntropy(Tensor, Tensor, Tensor, Reduction)}.
     *
     * @param input probabilities in [0, 1], any shape
     * @param target the probabilities of class 1, of the input's shape
     * @return the mean loss, 0-d
     * @throws KilnException if {@code input} and {@code target} differ in shape, or (eagerly) an input lies outside
     *     [0, 1] or is NaN
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return binaryCrossEntropy(input, target, null, Reduction.MEAN);
    }

    /**
     * Binary cross-entropy on probabilities, as {@code F.binary_cross_entropy}: each log clamped at −100 and
     * PyTorch's gradient (finite where p is exactly 0 or 1; {@link BinaryCrossEntropy}). Outside a compiled
     * function an input outside [0, 1], NaN included, is refused, as PyTorch refuses it.
     *
     * @param input probabilities in [0, 1], any shape
     * @param target the probabilities of class 1, of the input's shape
     * @param weight a rescaling of each element's loss, broadcast against the input, or null for none
     * @param reduction {@code NONE} (per element, the input's shape), {@code MEAN} or {@code SUM} (0-d)
     * @return the loss: 0-d, or the input's shape for {@code NONE}
     * @throws KilnException if {@code input} and {@code target} differ in shape, or (eagerly) an input lies outside
     *     [0, 1] or is NaN
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

    /**
     * As {@code F.l1_loss(input, target)}: the mean absolute error.
     *
     * @param input the prediction
     * @param target the expected values, of the input's shape
     * @return the mean of |input − target|, 0-d
     * @throws KilnException if {@code input} and {@code target} differ in shape (PyTorch broadcasts them with a warning)
     */
    public static Tensor l1Loss(Tensor input, Tensor target) {
        return l1Loss(input, target, Reduction.MEAN);
    }

    /**
     * As {@code F.l1_loss}: |input − target| element-wise, reduced.
     *
     * @param input the prediction
     * @param target the expected values, of the input's shape
     * @param reduction {@code NONE} (per element, the input's shape), {@code MEAN} or {@code SUM} (0-d)
     * @return the loss: 0-d, or the input's shape for {@code NONE}
     * @throws KilnException if {@code input} and {@code target} differ in shape (PyTorch broadcasts them with a warning)
     */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        sameShape("l1Loss", input, target);
        return reduce(input.sub(target).abs(), reduction);
    }

    /**
     * As {@code F.mse_loss(input, target)}: the mean squared error.
     *
     * @param input the prediction
     * @param target the expected values, of the input's shape
     * @return the mean of (input − target)², 0-d
     * @throws KilnException if {@code input} and {@code target} differ in shape (PyTorch broadcasts them with a warning)
     */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, Reduction.MEAN);
    }

    /**
     * As {@code F.mse_loss}: (input − target)² element-wise, reduced.
     *
     * @param input the prediction
     * @param target the expected values, of the input's shape
     * @param reduction {@code NONE} (per element, the input's shape), {@code MEAN} or {@code SUM} (0-d)
     * @return the loss: 0-d, or the input's shape for {@code NONE}
     * @throws KilnException if {@code input} and {@code target} differ in shape (PyTorch broadcasts them with a warning)
     */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        sameShape("mseLoss", input, target);
        return reduce(input.sub(target).pow(2), reduction);
    }

    /**
     * As {@code F.huber_loss}: with d = input − target, ½d² where |d| &lt; δ, else δ(|d| − ½δ), reduced.
     *
     * @param input the prediction
     * @param target the expected values, of the input's shape
     * @param delta δ, where the loss turns from quadratic to linear, positive (PyTorch's default 1)
     * @param reduction {@code NONE} (per element, the input's shape), {@code MEAN} or {@code SUM} (0-d)
     * @return the loss: 0-d, or the input's shape for {@code NONE}
     * @throws KilnException if {@code input} and {@code target} differ in shape, or {@code delta} is not positive
     */
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

    /**
     * As {@code F.smooth_l1_loss}: with d = input − target, ½d²/β where |d| &lt; β, else |d| − ½β, reduced
     * (β = 0 is the L1 loss).
     *
     * @param input the prediction
     * @param target the expected values, of the input's shape
     * @param beta β, where the loss turns from quadratic to linear, at least 0 (PyTorch's default 1)
     * @param reduction {@code NONE} (per element, the input's shape), {@code MEAN} or {@code SUM} (0-d)
     * @return the loss: 0-d, or the input's shape for {@code NONE}
     * @throws KilnException if {@code input} and {@code target} differ in shape, or {@code beta} is negative or NaN
     */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, double beta, Reduction reduction) {
        sameShape("smoothL1Loss", input, target);
        // 0 is allowed (the L1 loss), as PyTorch's; NaN is refused, as PyTorch's
        if (!(beta >= 0)) {
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
