package dev.kiln.ir;

import dev.kiln.DType;
import dev.kiln.Shape;
import java.util.List;

/**
 * Ops that read or write at positions an integer tensor gives: PyTorch's {@code gather} and
 * {@code scatter_add} along one axis, each the other's gradient. Primitives, since composing them
 * from one-hot products costs the whole class dimension per element.
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

    private static void check(Op op, int axis, Shape x, Shape idx, DType indexType) {
        if (indexType != DType.INT64 && indexType != DType.INT32) {
            throw Ops.error(op, "indices must be int64, got " + indexType);
        }
        if (axis < 0 || axis >= x.rank() || idx.rank() != x.rank()) {
            throw Ops.error(op, "axis " + axis + " with input " + x + " and index " + idx + " (one rank for both)");
        }
    }
}
