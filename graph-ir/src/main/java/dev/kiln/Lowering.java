package dev.kiln;

import dev.kiln.ir.MatMul;
import dev.kiln.ir.Ops;
import dev.kiln.ir.Promotion;
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

    /** Reduction axes of {@code shape}, normalized (negative ones count from the end), sorted, each once. */
    static dev.kiln.ir.Axes axes(Shape shape, int[] axes) {
        int[] a = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            a[i] = shape.normalizeAxis(axes[i]);
        }
        Arrays.sort(a);
        for (int i = 1; i < a.length; i++) {
            if (a[i] == a[i - 1]) {
                throw new KilnException("dimension " + a[i] + " appears twice in " + Arrays.toString(axes));
            }
        }
        return dev.kiln.ir.Axes.of(a);
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
        DType t = Promotion.of(x.dtype(), false, y.dtype(), false);
        Tensor a = x.to(t);
        Tensor b = y.to(t);
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
}
