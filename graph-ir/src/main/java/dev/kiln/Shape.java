package dev.kiln;

import java.util.Arrays;

/** The sizes of a tensor's dimensions; a value type. {@code Shape.of()} is a 0-d tensor, distinct from {@code [1]}. */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0]);
    private final int[] dims;
    private final int hash;
    /** The element count, computed once: a compiled call's input checks ask for it on every call. */
    private final long numel;

    private Shape(int[] dims) {
        this.dims = dims;
        this.hash = Arrays.hashCode(dims);
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        this.numel = n;
    }

    /**
     * A shape of the given sizes, as {@code torch.Size}; no sizes gives the 0-d shape.
     *
     * @param dims each dimension's size, outermost first; each at least 0 (copied)
     * @return the shape
     * @throws KilnException if a size is negative
     */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        for (int d : dims) {
            if (d < 0) {
                throw new KilnException("shape " + Arrays.toString(dims) + " has a negative dimension");
            }
        }
        return new Shape(dims.clone());
    }

    /**
     * The shape of a 0-d tensor (PyTorch's {@code ()}), the same as {@code Shape.of()}.
     *
     * @return the shape of rank 0, which has one element
     */
    public static Shape scalar() {
        return SCALAR;
    }

    /**
     * The number of dimensions, as {@code len(tensor.shape)}.
     *
     * @return the rank, 0 for a scalar
     */
    public int rank() {
        return dims.length;
    }

    /**
     * Size of one dimension, as {@code tensor.shape[axis]}.
     *
     * @param axis the dimension, in {@code [-rank, rank)}; negative axes count from the end
     * @return that dimension's size
     * @throws KilnException if the axis is out of range
     */
    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    /**
     * The sizes as an array.
     *
     * @return a new array of each dimension's size, outermost first; the caller may change it
     */
    public int[] toArray() {
        return dims.clone();
    }

    /**
     * The number of elements as a long, for shapes of 2^31 elements or more.
     *
     * @return the product of the sizes, 1 for a scalar
     */
    public long numelLong() {
        return numel;
    }

    /**
     * Number of elements, as {@code torch.Tensor.numel}.
     *
     * @return the product of the sizes, 1 for a scalar
     * @throws KilnException for shapes of 2^31 elements or more (see {@link #numelLong()})
     */
    public int numel() {
        long n = numel;
        if (n > Integer.MAX_VALUE) {
            throw new KilnException("shape " + this + " has " + n + " elements; at most 2^31-1 are supported");
        }
        return (int) n;
    }

    /**
     * Maps a possibly negative axis of this shape into {@code [0, rank)}.
     *
     * @param axis the dimension, in {@code [-rank, rank)}
     * @return the same dimension counted from the front
     * @throws KilnException if the axis is out of range, naming the range expected
     */
    public int normalizeAxis(int axis) {
        return normalizeAxis(axis, dims.length);
    }

    /**
     * Maps a possibly negative axis of a tensor of rank {@code rank} into {@code [0, rank)}.
     *
     * @param axis the dimension, in {@code [-rank, rank)}
     * @param rank the tensor's number of dimensions
     * @return the same dimension counted from the front
     * @throws KilnException if the axis is out of range, naming the range expected
     */
    public static int normalizeAxis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new KilnException("dimension " + axis + " is out of range for a tensor of rank " + rank
                    + (rank == 0 ? "" : " (expected to be in [" + -rank + ", " + (rank - 1) + "])"));
        }
        return a;
    }

    /**
     * Row-major strides of a contiguous tensor of this shape, as {@code tensor.contiguous().stride()}.
     *
     * @return one stride per dimension, in elements; the last is 1 (a size-0 dimension counts as size 1)
     */
    public int[] contiguousStrides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(dims[i], 1);
        }
        return s;
    }

    /**
     * This shape with one dimension's size replaced; this shape is unchanged.
     *
     * @param axis the dimension, in {@code [-rank, rank)}
     * @param size its new size
     * @return the new shape
     * @throws KilnException if the axis is out of range
     */
    public Shape with(int axis, int size) {
        int[] d = dims.clone();
        d[normalizeAxis(axis)] = size;
        return new Shape(d);
    }

    /**
     * The broadcast shape of two shapes, as {@code torch.broadcast_shapes}: NumPy's rule, aligned from the
     * right, where sizes must match or one of them be 1.
     *
     * @param a one operand's shape
     * @param b the other operand's shape
     * @return the broadcast shape, or null when the shapes are incompatible (the caller names the op in its error)
     */
    public static Shape broadcast(Shape a, Shape b) {
        if (a.equals(b) || b.rank() == 0) {
            return a;
        }
        if (a.rank() == 0) {
            return b;
        }
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.rank() ? 1 : a.dims[i - (rank - a.rank())];
            int db = i < rank - b.rank() ? 1 : b.dims[i - (rank - b.rank())];
            if (da != db && da != 1 && db != 1) {
                return null;
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Shape s && s.hash == hash && Arrays.equals(s.dims, dims);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
