package dev.kiln.nn;

import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.util.Arrays;

/**
 * Convolutions as composites: the input's windows gathered once ({@link Windows}, im2col) and one batched
 * matmul per group; the transposed convolution is the matmul's transpose followed by a fold (col2im).
 * Their gradients come from gather, matmul and scatterAdd, so both backward convolutions are the same few nodes.
 */
final class Convolution {
    private Convolution() {
    }

    /** {@code F.unfold}: [N, C, H, W] to [N, C·kh·kw, L] columns. */
    static Tensor unfold(Tensor x, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        check4d("unfold", x);
        Windows w = windows("unfold", x.size(2), x.size(3), kernel, stride, padding, padding, dilation);
        return w.gather(x).reshape(x.size(0), x.size(1) * w.kernelSize(), w.positions());
    }

    /** {@code F.fold}: [N, C·kh·kw, L] columns summed into [N, C, outputSize]. */
    static Tensor fold(Tensor cols, int[] outputSize, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        if (cols.dim() != 3) {
            throw new KilnException("fold: expects a 3-D input [N, C·kh·kw, L], got shape " + cols.shape());
        }
        int k = kernel[0] * kernel[1];
        Windows w = windows("fold", outputSize[0], outputSize[1], kernel, stride, padding, padding, dilation);
        if (cols.size(1) % k != 0 || cols.size(2) != w.positions()) {
            throw new KilnException("fold: expected an input of shape [N, C·" + k + ", " + w.positions() + "] (kernel "
                    + Arrays.toString(kernel) + ", " + w.outH() + "×" + w.outW() + " blocks for output size "
                    + Arrays.toString(outputSize) + "), got shape " + cols.shape());
        }
        int n = cols.size(0);
        return w.scatter(cols.reshape(n, cols.size(1) / k, k, w.positions()));
    }

    /**
     * {@code F.conv2d}: x [N, C, H, W], weight [O, C/groups, kh, kw], bias [O] or null; padding per side is
     * {@code before}/{@code after} (equal for int padding, as "same" splits it when odd).
     */
    static Tensor conv2d(String fn, Tensor x, Tensor weight, Tensor bias, int[] stride, int[] before, int[] after, int[] dilation,
            int groups) {
        check4d(fn, x);
        if (weight.dim() != 4) {
            throw new KilnException(fn + ": the weight must be 4-D [out_channels, in_channels/groups, kH, kW], got shape " + weight.shape());
        }
        checkGroups(fn, groups, weight.size(0), "weight's out_channels");
        int out = weight.size(0);
        int perGroup = weight.size(1);
        if (x.size(1) != perGroup * groups) {
            throw new KilnException(fn + ": Given groups=" + groups + ", weight of size " + weight.shape() + ", expected input"
                    + x.shape() + " to have " + perGroup * groups + " channels, but got " + x.size(1) + " channels instead");
        }
        checkBias(fn, bias, out);
        int[] kernel = {weight.size(2), weight.size(3)};
        Windows w = windows(fn, x.size(2), x.size(3), kernel, stride, before, after, dilation);
        int n = x.size(0);
        int k = w.kernelSize();
        Tensor cols = w.gather(x).reshape(n, groups, perGroup * k, w.positions());
        Tensor y = weight.reshape(groups, out / groups, perGroup * k).matmul(cols).reshape(n, out, w.outH(), w.outW());
        return bias == null ? y : y.add(bias.reshape(1, out, 1, 1));
    }

    /** {@code F.conv_transpose2d}: x [N, C, H, W], weight [C, O/groups, kh, kw]: the gradient of conv2d with respect to its input. */
    static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding, int groups,
            int[] dilation) {
        check4d("convTranspose2d", x);
        if (weight.dim() != 4) {
            throw new KilnException("convTranspose2d: the weight must be 4-D [in_channels, out_channels/groups, kH, kW], got shape "
                    + weight.shape());
        }
        checkGroups("convTranspose2d", groups, weight.size(0), "weight's in_channels");
        if (x.size(1) != weight.size(0)) {
            throw new KilnException("convTranspose2d: Given transposed=1, weight of size " + weight.shape() + ", expected input"
                    + x.shape() + " to have " + weight.size(0) + " channels, but got " + x.size(1) + " channels instead");
        }
        int in = weight.size(0);
        int perGroup = weight.size(1);
        int out = perGroup * groups;
        checkBias("convTranspose2d", bias, out);
        int[] size = new int[2];
        for (int a = 0; a < 2; a++) {
            positive("convTranspose2d", "kernel size", weight.size(2 + a));
            positive("convTranspose2d", "stride", stride[a]);
            positive("convTranspose2d", "dilation", dilation[a]);
            if (outputPadding[a] < 0 || (outputPadding[a] >= stride[a] && outputPadding[a] >= dilation[a])) {
                throw new KilnException("convTranspose2d: output padding must be smaller than either stride or dilation, got"
                        + " output_padding " + Arrays.toString(outputPadding) + ", stride " + Arrays.toString(stride) + ", dilation "
                        + Arrays.toString(dilation));
            }
            size[a] = (x.size(2 + a) - 1) * stride[a] - 2 * padding[a] + dilation[a] * (weight.size(2 + a) - 1) + outputPadding[a] + 1;
        }
        if (size[0] <= 0 || size[1] <= 0) {
            throw new KilnException("convTranspose2d: Given input size per channel: (" + x.size(2) + " x " + x.size(3)
                    + "). Calculated output size per channel: (" + size[0] + " x " + size[1] + "). Output size is too small"
                    + " (stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ", kernel "
                    + weight.size(2) + "×" + weight.size(3) + ")");
        }
        int[] kernel = {weight.size(2), weight.size(3)};
        Windows w = Windows.of(new Windows.Axis(size[0], kernel[0], stride[0], padding[0], padding[0], dilation[0]),
                new Windows.Axis(size[1], kernel[1], stride[1], padding[1], padding[1], dilation[1]), x.size(2), x.size(3));
        int n = x.size(0);
        int k = w.kernelSize();
        Tensor wt = weight.reshape(groups, in / groups, perGroup * k).transpose(1, 2);
        Tensor cols = wt.matmul(x.reshape(n, groups, in / groups, w.positions())).reshape(n, out, k, w.positions());
        Tensor y = w.scatter(cols);
        return bias == null ? y : y.add(bias.reshape(1, out, 1, 1));
    }

    /** The windows of a convolution, checked as PyTorch checks them (the kernel must fit the padded input). */
    static Windows windows(String fn, int h, int wd, int[] kernel, int[] stride, int[] before, int[] after, int[] dilation) {
        int[] size = {h, wd};
        int[] count = new int[2];
        Windows.Axis[] axes = new Windows.Axis[2];
        for (int a = 0; a < 2; a++) {
            positive(fn, "kernel size", kernel[a]);
            positive(fn, "stride", stride[a]);
            positive(fn, "dilation", dilation[a]);
            if (before[a] < 0 || after[a] < 0) {
                throw new KilnException(fn + ": negative padding is not supported, got " + Arrays.toString(before));
            }
            axes[a] = new Windows.Axis(size[a], kernel[a], stride[a], before[a], after[a], dilation[a]);
            count[a] = axes[a].count(false);
        }
        if (count[0] <= 0 || count[1] <= 0) {
            throw new KilnException(fn + ": Calculated padded input size per channel: (" + (h + before[0] + after[0]) + " x "
                    + (wd + before[1] + after[1]) + "). Kernel size: (" + (dilation[0] * (kernel[0] - 1) + 1) + " x "
                    + (dilation[1] * (kernel[1] - 1) + 1) + "). Kernel size can't be greater than actual input size");
        }
        return Windows.of(axes[0], axes[1], count[0], count[1]);
    }

    /** PyTorch's {@code padding='same'}: total padding d·(k−1) per axis, the odd one extra after (stride must be 1). */
    static int[][] same(String fn, int[] kernel, int[] stride, int[] dilation) {
        int[] before = new int[kernel.length];
        int[] after = new int[kernel.length];
        for (int a = 0; a < kernel.length; a++) {
            if (stride[a] != 1) {
                throw new KilnException(fn + ": padding='same' is not supported for strided convolutions, got stride "
                        + Arrays.toString(stride));
            }
            int total = dilation[a] * (kernel[a] - 1);
            before[a] = total / 2;
            after[a] = total - before[a];
        }
        return new int[][] {before, after};
    }

    static void check4d(String fn, Tensor x) {
        if (x.dim() != 4) {
            throw new KilnException(fn + ": expected a 4-D input [N, C, H, W], got shape " + x.shape());
        }
    }

    static void checkGroups(String fn, int groups, int channels, String what) {
        if (groups <= 0) {
            throw new KilnException(fn + ": non-positive groups is not supported, got groups=" + groups);
        }
        if (channels % groups != 0) {
            throw new KilnException(fn + ": groups=" + groups + " must divide the " + what + " (" + channels + ")");
        }
    }

    private static void checkBias(String fn, Tensor bias, int out) {
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
            throw new KilnException(fn + ": the bias must be [" + out + "] (one per output channel), got shape " + bias.shape());
        }
    }

    static void positive(String fn, String what, int v) {
        if (v <= 0) {
            throw new KilnException(fn + ": " + what + " must be positive, got " + v);
        }
    }

    /** conv1d as conv2d on a height-1 plane; input [N, C, L] or [C, L]. */
    static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int[] before, int[] after, int dilation, int groups) {
        boolean unbatched = input.dim() == 2;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        if (x.dim() != 3 || weight.dim() != 3) {
            throw new KilnException("conv1d: expected input [N, C, L] or [C, L] and weight [out_channels, in_channels/groups, k], got "
                    + input.shape() + " and " + weight.shape());
        }
        Tensor y = conv2d("conv1d", x.unsqueeze(2), weight.unsqueeze(2), bias, new int[] {1, stride},
                new int[] {0, before[0]}, new int[] {0, after[0]}, new int[] {1, dilation}, groups).squeeze(2);
        return unbatched ? y.squeeze(0) : y;
    }

    /** conv2d of a batched or unbatched input. */
    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] before, int[] after, int[] dilation,
            int groups) {
        boolean unbatched = input.dim() == 3;
        Tensor y = conv2d("conv2d", unbatched ? input.unsqueeze(0) : input, weight, bias, pair("stride", stride), before,
                after, pair("dilation", dilation), groups);
        return unbatched ? y.squeeze(0) : y;
    }

    /** A 1- or 2-element size as two (a single value is used for both), checked. */
    static int[] pair(String what, int[] v) {
        if (v == null || v.length == 0 || v.length > 2) {
            throw new KilnException(what + " must have one or two values, got " + java.util.Arrays.toString(v));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /** The padding "valid" or "same" names, as (before, after) per dimension. */
    static int[][] named(String fn, String padding, int[] kernel, int[] stride, int[] dilation) {
        return switch (padding) {
            case "valid" -> new int[][] {new int[kernel.length], new int[kernel.length]};
            case "same" -> same(fn, kernel, stride, dilation);
            default -> throw new KilnException(fn + ": padding must be \"valid\" or \"same\" (or ints), got \"" + padding + "\"");
        };
    }
}
