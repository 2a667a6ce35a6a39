package dev.kiln.spi;

import dev.kiln.Shape;

import dev.kiln.ir.Movement;
import java.util.Arrays;

/** How a tensor's elements sit in its storage: shape, strides (0 for broadcast) and offset. */
public final class Layout {
    private final Shape shape;
    private final int[] strides;
    private final int offset;
    /** Row-major with no gaps (offset aside); computed once, asked on every compiled call. */
    private final boolean contiguous;

    public Layout(Shape shape, int[] strides, int offset) {
        if (strides.length != shape.rank()) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " for shape " + shape);
        }
        this.shape = shape;
        this.strides = strides.clone();
        this.offset = offset;
        this.contiguous = computeContiguous();
    }

    public static Layout contiguous(Shape shape) {
        return new Layout(shape, shape.contiguousStrides(), 0);
    }

    public Shape shape() {
        return shape;
    }

    public int stride(int axis) {
        return strides[axis];
    }

    public int[] strides() {
        return strides.clone();
    }

    public int offset() {
        return offset;
    }

    /** True when the elements are packed in row-major order from the offset. */
    public boolean isContiguous() {
        return contiguous;
    }

    private boolean computeContiguous() {
        int expected = 1;
        for (int i = shape.rank() - 1; i >= 0; i--) {
            int d = shape.dim(i);
            if (d != 1 && strides[i] != expected) {
                return false;
            }
            expected *= d;
        }
        return true;
    }

    /** Storage index of the element at a multi-index. */
    public int index(int... idx) {
        int at = offset;
        for (int i = 0; i < idx.length; i++) {
            at += idx[i] * strides[i];
        }
        return at;
    }

    /** Storage index of the {@code flat}-th element in row-major order. */
    public int indexOfFlat(int flat) {
        int at = offset;
        for (int i = shape.rank() - 1; i >= 0; i--) {
            int d = shape.dim(i);
            at += (flat % d) * strides[i];
            flat /= d;
        }
        return at;
    }

    /** The layout of {@code op}'s result as a view of this one's storage, or null where the op must copy. */
    public Layout view(Movement op, Shape to) {
        Layout in = this;
        return switch (op) {
            case Movement.Reshape r -> {
                int[] strides = reshapedStrides(to);
                yield strides == null ? null : new Layout(to, strides, in.offset());
            }
            case Movement.Expand e -> {
                int lead = to.rank() - in.shape().rank();
                int[] strides = new int[to.rank()];
                for (int i = lead; i < to.rank(); i++) {
                    int d = in.shape().dim(i - lead);
                    strides[i] = d == 1 && to.dim(i) != 1 ? 0 : in.stride(i - lead);
                }
                yield new Layout(to, strides, in.offset());
            }
            case Movement.Permute p -> {
                int[] strides = new int[to.rank()];
                for (int i = 0; i < strides.length; i++) {
                    strides[i] = in.stride(p.order().get(i));
                }
                yield new Layout(to, strides, in.offset());
            }
            case Movement.Slice s -> {
                int[] strides = in.strides();
                int offset = in.offset() + (to.dim(s.axis()) == 0 ? 0 : s.start() * strides[s.axis()]);
                strides[s.axis()] *= s.step();
                yield new Layout(to, strides, offset);
            }
            case Movement.Unslice u -> null;
        };
    }

    /**
     * Strides that view this layout's elements, in row-major order, as {@code to}; null when no
     * strides can (then a reshape must copy). Groups of dimensions that are contiguous with each
     * other can be split and merged freely, as in PyTorch's {@code computeStride}.
     */
    private int[] reshapedStrides(Shape to) {
        int[] out = new int[to.rank()];
        if (shape.numelLong() == 0 || shape.rank() == 0) {
            return to.contiguousStrides();
        }
        int viewD = to.rank() - 1;
        long chunkBaseStride = strides[strides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int d = shape.rank() - 1; d >= 0; d--) {
            tensorNumel *= shape.dim(d);
            if (d == 0 || (shape.dim(d - 1) != 1 && strides[d - 1] != tensorNumel * chunkBaseStride)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || to.dim(viewD) == 1)) {
                    out[viewD] = (int) (viewNumel * chunkBaseStride);
                    viewNumel *= to.dim(viewD);
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (d > 0) {
                    chunkBaseStride = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? out : null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layout l && l.offset == offset && l.shape.equals(shape) && Arrays.equals(l.strides, strides);
    }

    @Override
    public int hashCode() {
        return shape.hashCode() * 31 + Arrays.hashCode(strides) + offset;
    }

    @Override
    public String toString() {
        return "Layout" + shape + " strides " + Arrays.toString(strides) + " offset " + offset;
    }
}
