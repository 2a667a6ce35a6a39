package dev.kiln;

import dev.kiln.ir.Axes;
import dev.kiln.ir.Binary;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Op;
import dev.kiln.ir.Ops;
import dev.kiln.ir.Promotion;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.Where;
import java.util.Arrays;

/** Shape arithmetic of {@link Tensor}'s movement ops, and ops the front end lowers to primitives (matmul's rules). */
final class Lowering {
    private Lowering() {
    }

    /** {@code dims} with its one -1 (if any) inferred from {@code from}'s element count. */
    static Shape inferShape(Shape from, int[] dims) {
        int[] d = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) {
                    throw new KilnException("only one dimension can be -1 in " + Arrays.toString(dims));
                }
                infer = i;
            } else {
                known *= d[i];
            }
        }
        int numel = from.numel();
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new KilnException("shape " + Arrays.toString(dims) + " is invalid for " + numel + " elements");
            }
            d[infer] = (int) (numel / known);
        }
        return Shape.of(d);
    }

    /**
     * Reduction axes of {@code shape}, normalized (negative ones count from the end), sorted, each once,
     * as PyTorch's {@code dim} lists: an empty list means every axis, and a 0-d tensor takes 0 or -1.
     */
    static dev.kiln.ir.Axes axes(Shape shape, int[] axes) {
        if (axes.length == 0) {
            return dev.kiln.ir.Axes.all(shape.rank());
        }
        // PyTorch wraps the dims of a 0-d tensor as if it had one dimension, which it then reduces away
        int rank = Math.max(1, shape.rank());
        int[] a = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            a[i] = Shape.normalizeAxis(axes[i], shape.rank() == 0 && (axes[i] == 0 || axes[i] == -1) ? rank : shape.rank());
        }
        Arrays.sort(a);
        for (int i = 1; i < a.length; i++) {
            if (a[i] == a[i - 1]) {
                throw new KilnException("dim " + a[i] + " appears multiple times in the list of dims " + Arrays.toString(axes));
            }
        }
        return shape.rank() == 0 ? dev.kiln.ir.Axes.all(0) : dev.kiln.ir.Axes.of(a);
    }

    /** {@code expand}'s target: -1 keeps {@code from}'s size (aligned from the right). */
    static Shape expandShape(Shape from, int[] dims) {
        int[] d = dims.clone();
        int lead = d.length - from.rank();
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1 && i >= lead) {
                d[i] = from.dim(i - lead);
            }
        }
        return Shape.of(d);
    }

    /** {@code from} with a size-1 dimension inserted at {@code axis} (in {@code [-rank-1, rank]}). */
    static int[] unsqueezed(Shape from, int axis) {
        int a = Shape.normalizeAxis(axis, from.rank() + 1);
        int[] d = new int[from.rank() + 1];
        for (int i = 0, j = 0; i < d.length; i++) {
            d[i] = i == a ? 1 : from.dim(j++);
        }
        return d;
    }

    /** {@code from}'s sizes without dimension {@code axis}. */
    static int[] without(Shape from, int axis) {
        int[] d = new int[from.rank() - 1];
        for (int i = 0, j = 0; i < from.rank(); i++) {
            if (i != axis) {
                d[j++] = from.dim(i);
            }
        }
        return d;
    }

    /** {@code from} with dimensions {@code start..end} (inclusive, possibly negative) merged into one. */
    static int[] flattened(Shape from, int start, int end) {
        int s = from.normalizeAxis(start);
        int e = from.normalizeAxis(end);
        if (s > e) {
            throw new KilnException("flatten: start dimension " + start + " comes after end dimension " + end);
        }
        int[] d = new int[from.rank() - (e - s)];
        int j = 0;
        for (int i = 0; i < s; i++) {
            d[j++] = from.dim(i);
        }
        int merged = 1;
        for (int i = s; i <= e; i++) {
            merged *= from.dim(i);
        }
        d[j++] = merged;
        for (int i = e + 1; i < from.rank(); i++) {
            d[j++] = from.dim(i);
        }
        return d;
    }

    /** {@code torch.matmul}'s rules on the {@code matmul} primitive: 1-D operands, 2-D, and broadcast batches. */
    static Tensor matmul(Tensor x, Tensor y) {
        if (x.dim() == 0 || y.dim() == 0) {
            throw new KilnException("matmul: both arguments need at least 1 dimension, got " + x.shape() + " and " + y.shape());
        }
        if (x.dtype() != y.dtype()) {
            // PyTorch promotes elementwise ops but not matrix products (a float64 batch would run a float32 model at float64 speed)
            throw new KilnException("matmul: expected both operands to have one dtype, got " + x.dtype() + " " + x.shape()
                    + " and " + y.dtype() + " " + y.shape() + " (PyTorch: expected scalar type " + Ops.torchName(x.dtype())
                    + " but found " + Ops.torchName(y.dtype()) + "); matrix products do not promote: convert one to the other's"
                    + " dtype with .to(DType." + x.dtype().name() + ") or .to(DType." + y.dtype().name() + ")");
        }
        Tensor a = x;
        Tensor b = y;
        boolean aVec = a.dim() == 1;
        boolean bVec = b.dim() == 1;
        if (aVec) {
            a = a.unsqueeze(0);
        }
        if (bVec) {
            b = b.unsqueeze(1);
        }
        int r = Math.max(a.dim(), b.dim());
        Shape batchA = Shape.of(Arrays.copyOf(a.shape().toArray(), a.dim() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.shape().toArray(), b.dim() - 2));
        Shape batch = Shape.broadcast(batchA, batchB);
        if (batch == null || a.size(-1) != b.size(-2)) {
            throw Ops.error(new MatMul(), "shapes " + x.shape() + " and " + y.shape() + " cannot be multiplied");
        }
        a = a.expand(concat(batch, a.size(-2), a.size(-1)));
        b = b.expand(concat(batch, b.size(-2), b.size(-1)));
        Tensor out = Dispatch.compute(new MatMul(), a, b);
        if (aVec) {
            out = out.squeeze(r - 2);
        }
        if (bVec) {
            out = out.squeeze(-1);
        }
        return out;
    }

    private static Shape concat(Shape batch, int rows, int cols) {
        int[] d = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        d[batch.rank()] = rows;
        d[batch.rank() + 1] = cols;
        return Shape.of(d);
    }

    /** A binary op with PyTorch's promotion (true division of integers gives the default float) and broadcasting. */
    static Tensor binary(Op op, Tensor a, Tensor b) {
        DType t = Promotion.of(a.dtype(), a.tier(), b.dtype(), b.tier());
        if (op instanceof Binary.Div && !t.isFloating()) {
            t = Kiln.defaultDtype();
        }
        Shape s = Shape.broadcast(a.shape(), b.shape());
        if (s == null) {
            throw Ops.error(op, "shapes " + a.shape() + " and " + b.shape() + " cannot be broadcast together");
        }
        return Dispatch.compute(op, a.castTo(t).expandTo(s), b.castTo(t).expandTo(s));
    }

    /** {@code cond ? a : b} elementwise, broadcasting all three. */
    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Where op = new Where();
        Shape ab = Shape.broadcast(a.shape(), b.shape());
        Shape s = ab == null ? null : Shape.broadcast(cond.shape(), ab);
        if (s == null) {
            throw Ops.error(op, "shapes " + cond.shape() + ", " + a.shape() + " and " + b.shape()
                    + " cannot be broadcast together");
        }
        DType t = Promotion.of(a.dtype(), a.tier(), b.dtype(), b.tier());
        return Dispatch.compute(op, cond.castTo(DType.BOOL).expandTo(s), a.castTo(t).expandTo(s), b.castTo(t).expandTo(s));
    }

    /** The mean over {@code axes}: a sum divided by the count (floating tensors only, as in PyTorch). */
    static Tensor mean(Tensor x, Axes axes, boolean keepDim) {
        if (!x.dtype().isFloating()) {
            throw new KilnException("mean() needs a floating tensor, got " + x.dtype() + "; convert it with to(...)");
        }
        long count = 1;
        for (int i = 0; i < axes.size(); i++) {
            count *= x.size(axes.get(i));
        }
        return Dispatch.compute(new Reduce.Sum(axes, keepDim), x).div((double) count);
    }

    /** PyTorch's {@code view}: a reshape that fails rather than copy. */
    static Tensor view(Tensor x, int[] dims) {
        Shape to = inferShape(x.shape(), dims);
        if (!x.isContiguous()) {
            throw new KilnException("view(" + to + ") of a non-contiguous tensor of shape " + x.shape()
                    + ": its strides do not allow it; use reshape(...) to copy");
        }
        return Dispatch.move(new Movement.Reshape(to), x);
    }

    /** A permutation with negative axes counted from the end. */
    static Axes order(int rank, int[] order) {
        int[] o = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            o[i] = order[i] < 0 ? order[i] + rank : order[i];
        }
        return Axes.of(o);
    }

    /** The permutation that swaps axes {@code a} and {@code b} of {@code shape}. */
    static int[] swapped(Shape shape, int a, int b) {
        int[] order = Axes.all(shape.rank()).toArray();
        int x = shape.normalizeAxis(a);
        int y = shape.normalizeAxis(b);
        order[x] = y;
        order[y] = x;
        return order;
    }

    /** Python's {@code t[start:end:step]} along {@code axis}, clamped as Python does. */
    static Movement.Slice slice(Shape shape, int axis, int start, int end, int step) {
        if (step < 1) {
            throw new KilnException("slice: step must be positive, got step " + step
                    + (step < 0 ? " (to reverse, use flip)" : ""));
        }
        int a = shape.normalizeAxis(axis);
        int n = shape.dim(a);
        int s = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
        int e = Math.min(Math.max(end < 0 ? end + n : end, s), n);
        return new Movement.Slice(a, s, e, step);
    }

    /** The one-element slice at {@code index} along {@code axis} (negative indices from the end). */
    static Movement.Slice select(Shape shape, int axis, int index) {
        int a = shape.normalizeAxis(axis);
        int n = shape.dim(a);
        int i = index < 0 ? index + n : index;
        if (i < 0 || i >= n) {
            throw new KilnException("index " + index + " is out of bounds for dimension " + axis + " with size " + n);
        }
        return new Movement.Slice(a, i, i + 1, 1);
    }

    /** {@code t[i, j, ...]}: a select along the leading dimension per index. */
    static Tensor index(Tensor t, int[] indices) {
        for (int index : indices) {
            t = t.select(0, index);
        }
        return t;
    }
}
