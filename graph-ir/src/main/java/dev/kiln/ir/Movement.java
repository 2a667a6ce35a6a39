package dev.kiln.ir;

import dev.kiln.Shape;
import java.util.List;

/** Ops that move elements without computing on them; on CPU most are views (new strides, same storage). */
public sealed interface Movement extends Op {
    @Override
    default int arity() {
        return 1;
    }

    /** Same elements in row-major order, another shape. */
    record Reshape(Shape to) implements Movement {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape from = inputs.get(0).shape();
            if (from.numelLong() != to.numelLong()) {
                throw Ops.error(this, "cannot reshape " + from + " (" + from.numelLong() + " elements) to " + to
                        + " (" + to.numelLong() + " elements)");
            }
            return new TensorType(to, inputs.get(0).dtype());
        }

        @Override
        public String attributes() {
            return to.toString();
        }
    }

    /** Broadcast: size-1 dimensions (and new leading ones) repeat; a stride-0 view. */
    record Expand(Shape to) implements Movement {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape from = inputs.get(0).shape();
            int lead = to.rank() - from.rank();
            boolean ok = lead >= 0;
            for (int i = 0; ok && i < from.rank(); i++) {
                ok = from.dim(i) == 1 || from.dim(i) == to.dim(i + lead);
            }
            if (!ok) {
                throw Ops.error(this, "cannot expand " + from + " to " + to
                        + " (each dimension must match or be 1, aligned from the right)");
            }
            return new TensorType(to, inputs.get(0).dtype());
        }

        @Override
        public String attributes() {
            return to.toString();
        }
    }

    /** Reorders dimensions: output dimension i is input dimension {@code order[i]}. */
    record Permute(Axes order) implements Movement {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape from = inputs.get(0).shape();
            int r = from.rank();
            boolean[] seen = new boolean[r];
            boolean ok = order.size() == r;
            for (int i = 0; ok && i < r; i++) {
                int a = order.get(i);
                ok = a >= 0 && a < r && !seen[a];
                if (ok) {
                    seen[a] = true;
                }
            }
            if (!ok) {
                throw Ops.error(this, order + " is not a permutation of the " + r + " dimensions of " + from);
            }
            int[] out = new int[r];
            for (int i = 0; i < r; i++) {
                out[i] = from.dim(order.get(i));
            }
            return new TensorType(Shape.of(out), inputs.get(0).dtype());
        }

        @Override
        public String attributes() {
            return order.toString();
        }
    }

    /** Elements {@code start, start+step, ...} below {@code stop} along one axis; a view. */
    record Slice(int axis, int start, int stop, int step) implements Movement {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape from = inputs.get(0).shape();
            if (step < 1) {
                throw Ops.error(this, "slice step must be positive, got step " + step);
            }
            if (axis < 0 || axis >= from.rank() || start < 0 || stop < start || stop > from.dim(axis)) {
                throw Ops.error(this, "slice " + attributes() + " is out of range for " + from);
            }
            return new TensorType(from.with(axis, length()), inputs.get(0).dtype());
        }

        public int length() {
            return (stop - start + step - 1) / step;
        }

        @Override
        public String attributes() {
            return "axis=" + axis + " " + start + ":" + stop + ":" + step;
        }
    }

    /** The inverse of {@link Slice}: places the input at {@code start, start+step, ...} of a zero tensor with {@code size} along the axis. */
    record Unslice(int axis, int start, int step, int size) implements Movement {
        @Override
        public TensorType infer(List<TensorType> inputs) {
            Shape from = inputs.get(0).shape();
            if (axis < 0 || axis >= from.rank() || start < 0 || step < 1
                    || (from.dim(axis) > 0 && start + (long) step * (from.dim(axis) - 1) >= size)) {
                throw Ops.error(this, "unslice " + attributes() + " does not fit " + from);
            }
            return new TensorType(from.with(axis, size), inputs.get(0).dtype());
        }

        @Override
        public String attributes() {
            return "axis=" + axis + " start=" + start + " step=" + step + " size=" + size;
        }
    }
}
