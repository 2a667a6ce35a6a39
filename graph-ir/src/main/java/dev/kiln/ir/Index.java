package dev.kiln.ir;

import dev.kiln.DType;
import dev.kiln.Shape;
import java.util.List;

/**
 * Ops that read or write at positions an integer tensor gives: PyTorch's {@code gather} and
 * {@code scatter_add} along one axis, each the other's gradient, and max pooling's positions of each
 * window's maximum. Primitives, since composing them from one-hot products costs the whole class
 * dimension per element (and max pooling's argmax, composed, costs eight passes over the windows).
 */
public sealed interface Index extends Op {
    @Override
    default int arity() {
        return 2;
    }

    /**
     * {@code out[..., j, ...] = x[..., index[..., j, ...], ...]} along {@code axis}: inputs (x, index),
     * index int64 of x's rank whose sizes do not exceed x's off the axis; the result has index's shape.
     */
    record Gather(int axis) implements Index {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape x = inputs.get(0).shape();
            Shape idx = inputs.get(1).shape();
            check(this, axis, x, idx, inputs.get(1).dtype());
            for (int d = 0; d < x.rank(); d++) {
                if (d != axis && idx.dim(d) > x.dim(d)) {
                    throw Ops.error(this, "index shape " + idx + " exceeds input shape " + x + " in dimension " + d);
                }
            }
            return new TensorType(idx, inputs.get(0).dtype());
        }

        @Override
        public String attributes() {
            return "axis=" + axis;
        }
    }

    /**
     * Zeros of {@code index}'s shape with {@code size} along {@code axis}, into which each element of
     * {@code src} is added at its index: inputs (index, src) of one shape; the gradient of {@link Gather}.
     */
    record ScatterAdd(int axis, int size) implements Index {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape idx = inputs.get(0).shape();
            Shape src = inputs.get(1).shape();
            if (!idx.equals(src)) {
                throw Ops.error(this, "index shape " + idx + " and source shape " + src + " differ");
            }
            check(this, axis, idx.with(axis, size), idx, inputs.get(0).dtype());
            return new TensorType(idx.with(axis, size), inputs.get(1).dtype());
        }

        @Override
        public String attributes() {
            return "axis=" + axis + " size=" + size;
        }
    }

    /**
     * Max pooling's indices, as PyTorch's {@code max_pool2d(..., return_indices=True)} gives them: for x
     * [N, C, H, W] (float32 or float64), int64 [N, C, rows.count, cols.count] holding each window's flat
     * position {@code h·W + w} of its maximum. PyTorch's CPU rule: starting from the window's first position
     * inside the input at −∞, a value replaces the maximum where it is greater or NaN (so the first of equal
     * maxima, and the last NaN, win); positions in the padding are never chosen. The values are then a
     * {@link Gather} at these positions, whose gradient sends each window's gradient to its maximum.
     */
    record WindowArgmax(Axis rows, Axis cols) implements Index {
        /**
         * One spatial axis: the input's size, the kernel, stride, padding before, dilation, and the number of
         * windows (PyTorch's floor or ceil-mode count, computed by the caller).
         */
        public record Axis(int size, int kernel, int stride, int padding, int dilation, int count) {
            /** The first input position of window {@code o}, which may lie in the padding. */
            public int start(int o) {
                return o * stride - padding;
            }

            /** The first position of window {@code o} inside the input, or -1 where the whole window lies in the padding. */
            public int first(int o) {
                for (int j = 0, p = start(o); j < kernel; j++, p += dilation) {
                    if (p >= 0 && p < size) {
                        return p;
                    }
                }
                return -1;
            }
        }

        @Override
        public int arity() {
            return 1;
        }

        @Override
        public TensorType infer(List<TensorType> inputs) {
            TensorType x = inputs.get(0);
            Shape s = x.shape();
            if (s.rank() != 4 || s.dim(2) != rows.size() || s.dim(3) != cols.size()) {
                throw Ops.error(this, "expects [N, C, " + rows.size() + ", " + cols.size() + "], got " + s);
            }
            if (x.dtype() != DType.FLOAT32 && x.dtype() != DType.FLOAT64) {
                throw Ops.error(this, "expects float32 or float64 values, got " + x.dtype());
            }
            for (Axis a : List.of(rows, cols)) {
                if (a.kernel() <= 0 || a.stride() <= 0 || a.dilation() <= 0 || a.padding() < 0 || a.count() <= 0) {
                    throw Ops.error(this, "needs a positive kernel, stride, dilation and window count and padding ≥ 0, got " + a);
                }
                for (int o = 0; o < a.count(); o++) {
                    if (a.first(o) < 0) {
                        throw Ops.error(this, "window " + o + " of " + a + " lies wholly in the padding");
                    }
                }
            }
            return new TensorType(Shape.of(s.dim(0), s.dim(1), rows.count(), cols.count()), DType.INT64);
        }

        @Override
        public String attributes() {
            return "kernel=" + rows.kernel() + "x" + cols.kernel() + " stride=" + rows.stride() + "x" + cols.stride() + " padding="
                    + rows.padding() + "x" + cols.padding() + " dilation=" + rows.dilation() + "x" + cols.dilation() + " -> "
                    + rows.count() + "x" + cols.count();
        }
    }

    private static void check(Op op, int axis, Shape x, Shape idx, DType indexType) {
        if (indexType != DType.INT64 && indexType != DType.INT32) {
            throw Ops.error(op, "indices must be int64, got " + indexType);
        }
        if (axis < 0 || axis >= x.rank() || idx.rank() != x.rank()) {
            throw Ops.error(op, "axis " + axis + " with input " + x + " and index " + idx + " (one rank for both)");
        }
    }
}
