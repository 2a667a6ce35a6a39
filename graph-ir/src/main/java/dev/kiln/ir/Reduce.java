package dev.kiln.ir;

import dev.kiln.DType;
import dev.kiln.Shape;
import java.util.List;

/** Reductions over sorted, distinct axes; {@code keepDim} leaves them as size 1. */
public sealed interface Reduce extends Op {
    Axes axes();

    boolean keepDim();

    @Override
    default int arity() {
        return 1;
    }

    @Override
    default String attributes() {
        return "axes=" + axes() + (keepDim() ? " keepDim" : "");
    }

    /** The shape after reducing {@code axes} of {@code in}. */
    default Shape reducedShape(Shape in) {
        int r = in.rank();
        int prev = -1;
        for (int i = 0; i < axes().size(); i++) {
            int a = axes().get(i);
            if (a <= prev || a >= r) {
                throw Ops.error(this, "axes " + axes() + " must be sorted, distinct and within rank " + r);
            }
            prev = a;
        }
        int[] out = new int[keepDim() ? r : r - axes().size()];
        int j = 0;
        for (int i = 0; i < r; i++) {
            if (!axes().contains(i)) {
                out[j++] = in.dim(i);
            } else if (keepDim()) {
                out[j++] = 1;
            }
        }
        return Shape.of(out);
    }

    /** Sum; integer and bool inputs sum to int64 as in PyTorch. */
    record Sum(Axes axes, boolean keepDim) implements Reduce {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            TensorType t = inputs.get(0);
            return new TensorType(reducedShape(t.shape()), t.dtype().isFloating() ? t.dtype() : DType.INT64);
        }
    }

    /** Maximum; NaN propagates; reducing an empty dimension is an error. */
    record Max(Axes axes, boolean keepDim) implements Reduce {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            TensorType t = inputs.get(0);
            for (int i = 0; i < axes().size(); i++) {
                if (axes().get(i) < t.shape().rank() && t.shape().dim(axes().get(i)) == 0) {
                    throw Ops.error(this, "cannot reduce the empty dimension " + axes().get(i) + " of " + t.shape());
                }
            }
            return new TensorType(reducedShape(t.shape()), t.dtype());
        }
    }
}
