package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Index;
import dev.kiln.ir.Movement;

/**
 * The sliding windows of a 2-D convolution or pooling over [N, C, H, W]: for window element k (kernel
 * row·kw + column) and output position l (row·OW + column), the flat input position it reads, or none
 * where it falls in the padding. Unfold is one {@code gather} at these positions and fold one
 * {@code scatterAdd}, so a convolution is a handful of graph nodes whatever its kernel size, and their
 * gradients are each other.
 */
record Windows(int height, int width, int kh, int kw, int outH, int outW, long[] index, boolean[] valid, int[] pads, long[] paddedIndex) {

    /** One spatial axis: input size, kernel, stride, padding before and after, dilation. */
    record Axis(int size, int kernel, int stride, int before, int after, int dilation) {
        /**
         * Windows along this axis: PyTorch's floor formula, or with {@code ceil} its ceil mode (the last window
         * starts inside the input or the left padding).
         */
        int count(boolean ceil) {
            long span = (long) size + before + after - (long) dilation * (kernel - 1) - 1;
            if (span < 0) {
                return 0;
            }
            long n = (ceil ? Math.ceilDiv(span, stride) : span / stride) + 1;
            if (ceil && (n - 1) * stride >= size + before) {
                n--;
            }
            return (int) n;
        }
    }

    /** The windows over an input of {@code rows}×{@code cols} with {@code outH}×{@code outW} windows. */
    static Windows of(Axis rows, Axis cols, int outH, int outW) {
        int k = rows.kernel() * cols.kernel();
        int l = outH * outW;
        long[] index = new long[k * l];
        boolean[] valid = new boolean[k * l];
        // the zeros each side that hold every window: the padding before, and after it whatever the last window reaches
        int[] pads = {rows.before(), Math.max(0, (outH - 1) * rows.stride() - rows.before() + rows.dilation() * (rows.kernel() - 1) + 1 - rows.size()),
            cols.before(), Math.max(0, (outW - 1) * cols.stride() - cols.before() + cols.dilation() * (cols.kernel() - 1) + 1 - cols.size())};
        int paddedWidth = cols.size() + pads[2] + pads[3];
        long[] paddedIndex = new long[k * l];
        for (int i = 0; i < rows.kernel(); i++) {
            for (int j = 0; j < cols.kernel(); j++) {
                for (int oh = 0; oh < outH; oh++) {
                    int h = oh * rows.stride() - rows.before() + i * rows.dilation();
                    for (int ow = 0; ow < outW; ow++) {
                        int w = ow * cols.stride() - cols.before() + j * cols.dilation();
                        int at = (i * cols.kernel() + j) * l + oh * outW + ow;
                        valid[at] = h >= 0 && h < rows.size() && w >= 0 && w < cols.size();
                        index[at] = valid[at] ? (long) h * cols.size() + w : 0;
                        paddedIndex[at] = (long) (h + pads[0]) * paddedWidth + w + pads[2];
                    }
                }
            }
        }
        return new Windows(rows.size(), cols.size(), rows.kernel(), cols.kernel(), outH, outW, index, valid, pads, paddedIndex);
    }

    int positions() {
        return outH * outW;
    }

    int kernelSize() {
        return kh * kw;
    }

    private boolean allValid() {
        for (boolean v : valid) {
            if (!v) {
                return false;
            }
        }
        return true;
    }

    /** The flat input positions as an int64 [1, 1, K·L] tensor (a constant of the graph). */
    private Tensor indexTensor() {
        return indexTensor(index);
    }

    private static Tensor indexTensor(long[] index) {
        double[] v = new double[index.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = index[i];
        }
        return Tensor.fromArray(v, Shape.of(1, 1, index.length), DType.INT64);
    }

    /** Where a window element lies inside the input, [K, L] bool; null when every one does. */
    private Tensor validTensor() {
        if (allValid()) {
            return null;
        }
        double[] v = new double[valid.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = valid[i] ? 1 : 0;
        }
        return Tensor.fromArray(v, Shape.of(kernelSize(), positions()), DType.BOOL);
    }

    /**
     * The windows of x [N, C, H, W] as [N, C, K, L], 0 where they fall in the padding. With padding the windows are
     * gathered from x placed in zeros (two unslices), not masked by a {@code where}: a bare gather of an input, which a
     * compiled step's GEMMs pack straight from (the implicit im2col, runtime-cpu's {@code LazyOps}).
     */
    Tensor gather(Tensor x) {
        int n = x.size(0);
        int c = x.size(1);
        if (allValid()) {
            return x.reshape(n, c, height * width).gather(2, indexTensor().expand(n, c, index.length)).reshape(n, c, kernelSize(),
                    positions());
        }
        int ph = height + pads[0] + pads[1];
        int pw = width + pads[2] + pads[3];
        Tensor placed = Tracing.compute(new Movement.Unslice(2, pads[0], 1, ph), x);
        placed = Tracing.compute(new Movement.Unslice(3, pads[2], 1, pw), placed);
        return placed.reshape(n, c, ph * pw).gather(2, indexTensor(paddedIndex).expand(n, c, index.length))
                .reshape(n, c, kernelSize(), positions());
    }

    /** The inverse of {@link #gather}: cols [N, C, K, L] summed into [N, C, H, W] at their positions (padding dropped). */
    Tensor scatter(Tensor cols) {
        int n = cols.size(0);
        int c = cols.size(1);
        Tensor mask = validTensor();
        Tensor src = (mask == null ? cols : Tensor.where(mask, cols, Tensor.scalar(0, cols.dtype())))
                .reshape(n, c, index.length);
        Tensor placed = Tracing.compute(new Index.ScatterAdd(2, height * width), indexTensor().expand(n, c, index.length), src);
        return placed.reshape(n, c, height, width);
    }
}
