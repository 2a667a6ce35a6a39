package dev.kiln.onnx;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;

/**
 * A constant of an imported graph, computed in plain Java while the graph is built: shape arithmetic
 * (Shape, Gather, Concat, ConstantOfShape...) folds to these for the input shapes of each trace, so
 * it never becomes ops. Values are held as doubles (exact for int64 values below 2^53, which covers shapes).
 */
record Folded(DType dtype, Shape shape, double[] values) implements Value {
    /** Folded values larger than this are an error: shape arithmetic is small, a mutated file may not be. */
    static final int MAX_ELEMENTS = 1 << 24;

    Folded {
        if (values.length != shape.numel()) {
            throw new KilnException("constant of shape " + shape + " holds " + values.length + " values");
        }
    }

    static Folded scalar(double v, DType dtype) {
        return new Folded(dtype, Shape.scalar(), new double[] {v});
    }

    static Folded vector(DType dtype, double... values) {
        return new Folded(dtype, Shape.of(values.length), values);
    }

    static Shape checkedShape(long[] dims, String what) {
        long n = 1;
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > MAX_ELEMENTS) {
                throw new KilnException(what + ": dimension " + dims[i] + " out of range in " + Arrays.toString(dims));
            }
            n *= dims[i];
            if (n > MAX_ELEMENTS) {
                throw new KilnException(what + ": shape " + Arrays.toString(dims) + " has more than " + MAX_ELEMENTS + " elements");
            }
            out[i] = (int) dims[i];
        }
        return Shape.of(out);
    }

    long[] longs() {
        long[] out = new long[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) values[i];
        }
        return out;
    }

    int[] ints(String what) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            double v = values[i];
            // ONNX writes INT64_MAX/MIN for "to the end": clamp, the callers clamp to the dimension anyway
            out[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
            if (v != Math.rint(v)) {
                throw new KilnException(what + " must hold integers, got " + v);
            }
        }
        return out;
    }

    Folded cast(DType to) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (to) {
                case BOOL -> out[i] != 0 ? 1 : 0;
                case INT32, INT64 -> out[i] < 0 ? Math.ceil(out[i]) : Math.floor(out[i]);
                case FLOAT32 -> (float) out[i];
                case FLOAT64 -> out[i];
            };
        }
        return new Folded(to, shape, out);
    }

    Folded reshape(Shape to) {
        return new Folded(dtype, to, values);
    }

    /** Elementwise with NumPy broadcasting; {@code dtype} is the result's. */
    static Folded broadcast(Folded a, Folded b, DType dtype, DoubleBinaryOperator f) {
        Shape out = broadcastShape(a.shape, b.shape);
        double[] r = new double[checkedShape(Arrays.stream(out.toArray()).asLongStream().toArray(), "broadcast").numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = f.applyAsDouble(a.values[source(i, out, a.shape)], b.values[source(i, out, b.shape)]);
        }
        return new Folded(dtype, out, r);
    }

    /** NumPy's broadcast of two shapes, or an error naming both. */
    static Shape broadcastShape(Shape a, Shape b) {
        Shape out = Shape.broadcast(a, b);
        if (out == null) {
            throw new KilnException("shapes " + a + " and " + b + " do not broadcast");
        }
        return out;
    }

    /** The flat index in {@code from} (broadcast to {@code out}) of the element at flat index {@code i} of {@code out}. */
    static int source(int i, Shape out, Shape from) {
        int src = 0;
        int stride = 1;
        int offset = out.rank() - from.rank();
        for (int d = out.rank() - 1; d >= 0; d--) {
            int coord = i % out.dim(d);
            i /= out.dim(d);
            int fd = d - offset;
            if (fd >= 0) {
                int size = from.dim(fd);
                src += (size == 1 ? 0 : coord) * stride;
                stride *= size;
            }
        }
        return src;
    }

    static Folded where(Folded c, Folded a, Folded b) {
        Shape out = broadcastShape(broadcastShape(c.shape, a.shape), b.shape);
        double[] r = new double[out.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = c.values[source(i, out, c.shape)] != 0 ? a.values[source(i, out, a.shape)] : b.values[source(i, out, b.shape)];
        }
        return new Folded(a.dtype, out, r);
    }

    Folded expand(long[] dims) {
        Shape target = checkedShape(dims, "Expand");
        Shape out = broadcastShape(shape, target);
        double[] r = new double[out.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = values[source(i, out, shape)];
        }
        return new Folded(dtype, out, r);
    }

    /** Gathers along {@code axis} (negative indices count from the end, as ONNX says). */
    Folded gather(int axis, Folded index) {
        int[] dims = shape.toArray();
        int outer = product(dims, 0, axis);
        int inner = product(dims, axis + 1, dims.length);
        int n = dims[axis];
        int[] idx = index.ints("Gather indices");
        int[] outDims = new int[dims.length - 1 + index.shape.rank()];
        System.arraycopy(dims, 0, outDims, 0, axis);
        System.arraycopy(index.shape.toArray(), 0, outDims, axis, index.shape.rank());
        System.arraycopy(dims, axis + 1, outDims, axis + index.shape.rank(), dims.length - axis - 1);
        double[] r = new double[outer * idx.length * inner];
        int p = 0;
        for (int o = 0; o < outer; o++) {
            for (int j : idx) {
                int k = j < 0 ? j + n : j;
                if (k < 0 || k >= n) {
                    throw new KilnException("Gather: index " + j + " is out of range for a dimension of size " + n);
                }
                System.arraycopy(values, (o * n + k) * inner, r, p, inner);
                p += inner;
            }
        }
        return new Folded(dtype, Shape.of(outDims), r);
    }

    /** {@code this[start:end:step]} along {@code axis} (bounds already clamped). */
    Folded slice(int axis, int start, int end, int step) {
        int[] dims = shape.toArray();
        int count = step > 0 ? Math.max(0, (end - start + step - 1) / step) : Math.max(0, (start - end - step - 1) / -step);
        int outer = product(dims, 0, axis);
        int inner = product(dims, axis + 1, dims.length);
        double[] r = new double[outer * count * inner];
        int p = 0;
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < count; c++) {
                System.arraycopy(values, (o * dims[axis] + start + c * step) * inner, r, p, inner);
                p += inner;
            }
        }
        dims[axis] = count;
        return new Folded(dtype, Shape.of(dims), r);
    }

    static Folded concat(List<Folded> parts, int axis) {
        Folded first = parts.getFirst();
        int[] dims = first.shape.toArray();
        int total = 0;
        for (Folded f : parts) {
            if (f.shape.rank() != dims.length) {
                throw new KilnException("Concat: ranks differ: " + first.shape + " and " + f.shape);
            }
            for (int d = 0; d < dims.length; d++) {
                if (d != axis && f.shape.dim(d) != dims[d]) {
                    throw new KilnException("Concat: shapes " + first.shape + " and " + f.shape + " differ outside axis " + axis);
                }
            }
            total += f.shape.dim(axis);
        }
        int outer = product(dims, 0, axis);
        int inner = product(dims, axis + 1, dims.length);
        dims[axis] = total;
        double[] r = new double[outer * total * inner];
        int p = 0;
        for (int o = 0; o < outer; o++) {
            for (Folded f : parts) {
                int len = f.shape.dim(axis) * inner;
                System.arraycopy(f.values, o * len, r, p, len);
                p += len;
            }
        }
        return new Folded(first.dtype, Shape.of(dims), r);
    }

    /** {@code dims[from] · … · dims[to - 1]}: the elements before or after an axis. */
    private static int product(int[] dims, int from, int to) {
        int p = 1;
        for (int d = from; d < to; d++) {
            p *= dims[d];
        }
        return p;
    }
}
