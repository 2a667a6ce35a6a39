package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Index;
import java.util.Arrays;
import java.util.List;

/**
 * Pooling as composites: max pooling finds each window's maximum with the {@link Index.WindowArgmax} primitive
 * (PyTorch's rule: the first of equal maxima, NaN winning) and gathers the values there, so its gradient
 * goes to that one element as in PyTorch; average pooling sums the gathered windows ({@link Windows}) and
 * divides by PyTorch's divisor; adaptive average pooling is two matmuls with averaging matrices.
 */
final class Pooling {
    private Pooling() {
    }

    /**
     * {@code F.max_pool2d} ({@code strides} null: the kernel size): the values, and with {@code indices} also the
     * flat h·W + w position of each maximum.
     */
    static List<Tensor> maxPool2d(Tensor x, int[] kernelSize, int[] strides, int[] paddings, int[] dilations, boolean ceilMode,
            boolean indices) {
        int[] kernel = Convolution.pair("kernelSize", kernelSize);
        int[] stride = strides == null ? kernel : Convolution.pair("stride", strides);
        int[] padding = Convolution.pair("padding", paddings);
        int[] dilation = Convolution.pair("dilation", dilations);
        Tensor in = batched("maxPool2d", x);
        Windows w = windows("maxPool2d", in, kernel, stride, padding, dilation, ceilMode);
        int n = in.size(0);
        int c = in.size(1);
        int h = in.size(2);
        int wd = in.size(3);
        var op = new Index.WindowArgmax(new Index.WindowArgmax.Axis(h, kernel[0], stride[0], padding[0], dilation[0], w.outH()),
                new Index.WindowArgmax.Axis(wd, kernel[1], stride[1], padding[1], dilation[1], w.outW()));
        Tensor at = Tracing.compute(op, in.detach());
        Tensor y = in.reshape(n, c, h * wd).gather(2, at.reshape(n, c, w.positions())).reshape(n, c, w.outH(), w.outW());
        return indices ? List.of(unbatched(x, y), unbatched(x, at)) : List.of(unbatched(x, y));
    }

    /** {@code F.avg_pool2d} ({@code strides} null: the kernel size): each window's sum over PyTorch's divisor (the padding counted or not). */
    static Tensor avgPool2d(Tensor x, int[] kernelSize, int[] strides, int[] paddings, boolean ceilMode, boolean countIncludePad) {
        int[] kernel = Convolution.pair("kernelSize", kernelSize);
        int[] stride = strides == null ? kernel : Convolution.pair("stride", strides);
        int[] padding = Convolution.pair("padding", paddings);
        Tensor in = batched("avgPool2d", x);
        Windows w = windows("avgPool2d", in, kernel, stride, padding, new int[] {1, 1}, ceilMode);
        int h = in.size(2);
        int wd = in.size(3);
        double[] divisor = new double[w.positions()];
        for (int oh = 0; oh < w.outH(); oh++) {
            for (int ow = 0; ow < w.outW(); ow++) {
                int hs = oh * stride[0] - padding[0];
                int ws = ow * stride[1] - padding[1];
                int he = Math.min(hs + kernel[0], h + padding[0]);
                int we = Math.min(ws + kernel[1], wd + padding[1]);
                int pool = (he - hs) * (we - ws);
                int inside = (Math.min(he, h) - Math.max(hs, 0)) * (Math.min(we, wd) - Math.max(ws, 0));
                divisor[oh * w.outW() + ow] = countIncludePad ? pool : inside;
            }
        }
        Tensor sum = w.gather(in).sum(2, false);
        Tensor y = sum.div(Tensor.fromArray(divisor, Shape.of(w.positions()), in.dtype())).reshape(in.size(0), in.size(1), w.outH(), w.outW());
        return unbatched(x, y);
    }

    /** {@code F.adaptive_avg_pool2d}: output cell i averages input rows ⌊i·H/OH⌋ to ⌈(i+1)·H/OH⌉ (and so for columns). */
    static Tensor adaptiveAvgPool2d(Tensor x, int[] outputSize) {
        Tensor in = batched("adaptiveAvgPool2d", x);
        int oh = outputSize[0] < 0 ? in.size(2) : outputSize[0];
        int ow = outputSize[1] < 0 ? in.size(3) : outputSize[1];
        if (oh <= 0 || ow <= 0 || in.size(2) == 0 || in.size(3) == 0) {
            throw new KilnException("adaptiveAvgPool2d: needs a positive output size and a non-empty input, got output size "
                    + Arrays.toString(outputSize) + " for input " + x.shape());
        }
        Tensor rows = averaging(oh, in.size(2), in.dtype());
        Tensor cols = averaging(ow, in.size(3), in.dtype()).t();
        return unbatched(x, rows.matmul(in.matmul(cols)));
    }

    /** [out, size]: row i holds 1/count over the input cells output i averages. */
    private static Tensor averaging(int out, int size, DType dtype) {
        double[] a = new double[out * size];
        for (int i = 0; i < out; i++) {
            int start = (int) Math.floorDiv((long) i * size, out);
            int end = (int) Math.ceilDiv((long) (i + 1) * size, out);
            for (int j = start; j < end; j++) {
                a[i * size + j] = 1.0 / (end - start);
            }
        }
        return Tensor.fromArray(a, Shape.of(out, size), dtype);
    }

    private static Windows windows(String fn, Tensor in, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceil) {
        int[] count = new int[2];
        Windows.Axis[] axes = new Windows.Axis[2];
        for (int a = 0; a < 2; a++) {
            Convolution.positive(fn, "kernel size", kernel[a]);
            Convolution.positive(fn, "stride", stride[a]);
            Convolution.positive(fn, "dilation", dilation[a]);
            if (padding[a] < 0 || padding[a] > kernel[a] / 2) {
                throw new KilnException(fn + ": pad should be at most half of effective kernel size, but got pad = "
                        + Arrays.toString(padding) + ", kernel_size = " + Arrays.toString(kernel));
            }
            axes[a] = new Windows.Axis(in.size(2 + a), kernel[a], stride[a], padding[a], padding[a], dilation[a]);
            count[a] = axes[a].count(ceil);
        }
        if (count[0] <= 0 || count[1] <= 0) {
            throw new KilnException(fn + ": Given input size: (" + in.size(1) + "x" + in.size(2) + "x" + in.size(3)
                    + "). Calculated output size: (" + in.size(1) + "x" + count[0] + "x" + count[1] + "). Output size is too small"
                    + " (kernel " + Arrays.toString(kernel) + ", padding " + Arrays.toString(padding) + ", dilation "
                    + Arrays.toString(dilation) + ")");
        }
        return Windows.of(axes[0], axes[1], count[0], count[1]);
    }

    /** [N, C, H, W] as it is, [C, H, W] with a batch of one. */
    private static Tensor batched(String fn, Tensor x) {
        if (x.dim() == 3) {
            return x.unsqueeze(0);
        }
        if (x.dim() != 4) {
            throw new KilnException(fn + ": expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got shape " + x.shape());
        }
        return x;
    }

    private static Tensor unbatched(Tensor x, Tensor y) {
        return x.dim() == 3 ? y.squeeze(0) : y;
    }
}
