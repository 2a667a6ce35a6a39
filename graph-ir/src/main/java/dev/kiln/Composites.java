package dev.kiln;

import dev.kiln.ir.Movement;
import java.util.ArrayList;
import java.util.List;

/**
 * Ops built from Kiln's primitives, as PyTorch defines them, for {@link Tensor}'s one-line methods:
 * they trace, compile and differentiate through their parts. Numerically stable forms are used
 * (softmax subtracts the detached maximum; softplus is {@code max(x, 0) + log(1 + exp(-|x|))} below
 * its threshold), so no branch of a {@code where} overflows and poisons a gradient.
 */
final class Composites {
    private Composites() {
    }

    private static int axis(Tensor x, int dim) {
        return Shape.normalizeAxis(dim, x.dim());
    }

    /** exp(x − max) / Σ exp(x − max) along {@code dim}. */
    static Tensor softmax(Tensor x, int dim) {
        int d = axis(x, dim);
        Tensor e = x.sub(x.amax(d, true).detach()).exp();
        return e.div(e.sum(d, true));
    }

    /** (x − max) − log Σ exp(x − max) along {@code dim}. */
    static Tensor logSoftmax(Tensor x, int dim) {
        int d = axis(x, dim);
        Tensor z = x.sub(x.amax(d, true).detach());
        return z.sub(z.exp().sum(d, true).log());
    }

    /** log Σ exp(x) along {@code dim}, shifted by the (finite) maximum. */
    static Tensor logsumexp(Tensor x, int dim, boolean keepDim) {
        int d = axis(x, dim);
        Tensor m = x.amax(d, true).detach();
        m = Tensor.where(m.abs().lt(Double.POSITIVE_INFINITY), m, Tensor.scalar(0, m.dtype()));
        Tensor r = x.sub(m).exp().sum(d, true).log().add(m);
        return keepDim ? r : r.squeeze(d);
    }

    /** The index (int64) of the first maximum ({@code max}) or minimum along {@code dim}. */
    static Tensor argExtreme(Tensor x, int dim, boolean keepDim, boolean max) {
        int d = axis(x, dim);
        int n = x.size(d);
        if (n == 0) {
            throw new KilnException((max ? "argmax" : "argmin") + ": dimension " + dim + " of shape " + x.shape() + " is empty");
        }
        try (var noGrad = Kiln.noGrad()) {
            Tensor v = max ? x.detach() : x.detach().neg();
            Tensor best = v.amax(d, true);
            // NaN counts as the extreme, as in PyTorch
            Tensor hit = Tensor.where(best.ne(best), v.ne(v), v.eq(best));
            int[] dims = new int[x.dim()];
            java.util.Arrays.fill(dims, 1);
            dims[d] = n;
            // positions as float32 where it holds them exactly: where and amin are then fused loops, not int64 ops
            DType positions = n <= 1 << 24 ? DType.FLOAT32 : DType.INT64;
            Tensor index = Tensor.arange(n).to(positions).reshape(dims);
            Tensor r = Tensor.where(hit, index, Tensor.scalar(n, positions)).amin(d, keepDim);
            return r.to(DType.INT64);
        }
    }

    /**
     * x limited to [min, max] (either may be NaN for "none") as PyTorch's {@code min(max(x, min), max)}: NaN
     * stays NaN, and min &gt; max gives max. The gradient passes only where min ≤ x ≤ max, so not at NaN.
     */
    static Tensor clamp(Tensor x, double min, double max) {
        // the limited value has no gradient; where x is inside the bounds it is x itself, with x's gradient
        Tensor limited = x.detach();
        Tensor inside = null;
        if (!Double.isNaN(min)) {
            limited = limited.maximum(Tensor.scalar(min, x.dtype()));
            inside = x.ge(min);
        }
        if (!Double.isNaN(max)) {
            limited = limited.minimum(Tensor.scalar(max, x.dtype()));
            inside = inside == null ? x.le(max) : Tensor.where(inside, x.le(max), Tensor.scalar(0, DType.BOOL));
        }
        if (inside == null || !x.requiresGrad() && !x.isSymbolic()) {
            return inside == null ? x : limited;
        }
        return Tensor.where(inside, x, limited);
    }

    /**
     * 1 / (1 + e^−x), computed as {@code where(x ≥ 0, 1, e) / (1 + e)} with {@code e = exp(−|x|)}: no exp
     * overflows, so the gradient is y(1 − y) everywhere (0 at ±∞, where {@code 1/(1 + exp(−x))} would
     * give 0·∞ = NaN), as PyTorch's; NaN stays NaN.
     */
    static Tensor sigmoid(Tensor x) {
        Tensor nonNegative = x.ge(0.0);
        Tensor e = Tensor.where(nonNegative, x.neg(), x).exp();
        return Tensor.where(nonNegative, Tensor.scalar(1, e.dtype()), e).div(e.add(1.0));
    }

    /** Elementwise and/or of truth values (non-zero is true), as bool tensors. */
    static Tensor logical(Tensor a, Tensor b, boolean and) {
        Tensor x = a.ne(0);
        Tensor y = b.ne(0);
        return and ? Tensor.where(x, y, Tensor.scalar(0, DType.BOOL)) : Tensor.where(x, Tensor.scalar(1, DType.BOOL), y);
    }

    static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        if (mask.dtype() != DType.BOOL) {
            throw new KilnException("maskedFill: the mask must be bool, got " + mask.dtype());
        }
        return Tensor.where(mask, Tensor.scalar(value, x.dtype()), x);
    }

    /**
     * Variance over {@code dims} (PyTorch's list: negative dims count from the end, empty means all),
     * the summed squares divided by max(0, n − correction): 1 is Bessel's correction, 0 the biased form.
     */
    static Tensor var(Tensor x, int[] dims, boolean keepDim, double correction) {
        if (!x.dtype().isFloating()) {
            throw new KilnException("var/std need a floating tensor, got " + x.dtype() + "; convert it with to(...)");
        }
        int[] ax = Lowering.axes(x.shape(), dims).toArray();
        long n = 1;
        for (int a : ax) {
            n *= x.size(a);
        }
        return new Variance(ax, keepDim, Math.max(0, n - correction)).apply(x);
    }

    /** {@code torch.gather}: the values along {@code dim} at {@code index} (int64, x's rank, no larger off the axis). */
    static Tensor gather(Tensor x, int dim, Tensor index) {
        checkIndex("gather", index);
        return Dispatch.compute(new dev.kiln.ir.Index.Gather(axis(x, dim)), x, index);
    }

    /** {@code torch.take_along_dim}: gather after broadcasting the index and the input against each other off the axis. */
    static Tensor takeAlongDim(Tensor x, Tensor index, int dim) {
        checkIndex("takeAlongDim", index);
        int d = axis(x, dim);
        if (index.dim() != x.dim()) {
            throw new KilnException("takeAlongDim: the index must have the input's " + x.dim() + " dimensions, got " + index.shape());
        }
        int[] xs = x.shape().toArray();
        int[] is = index.shape().toArray();
        for (int k = 0; k < xs.length; k++) {
            if (k != d) {
                int both = Math.max(xs[k], is[k]);
                if ((xs[k] != both && xs[k] != 1) || (is[k] != both && is[k] != 1)) {
                    throw new KilnException("takeAlongDim: input " + x.shape() + " and index " + index.shape() + " do not broadcast off dimension " + d);
                }
                xs[k] = both;
                is[k] = both;
            }
        }
        return gather(x.expand(xs), d, index.expand(is));
    }

    /** {@code torch.index_select}: whole slices along {@code dim} at a 1-D int64 index. */
    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex("indexSelect", index);
        if (index.dim() != 1) {
            throw new KilnException("indexSelect: the index must be 1-D, got shape " + index.shape());
        }
        int d = axis(x, dim);
        int[] shape = new int[x.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[d] = index.size(0);
        int[] full = x.shape().toArray();
        full[d] = index.size(0);
        return gather(x, d, index.reshape(shape).expand(full));
    }

    /** {@code x.scatter_add(dim, index, src)}: x plus each src element added at its index along {@code dim}. */
    static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        checkIndex("scatterAdd", index);
        int d = axis(x, dim);
        if (!index.shape().equals(src.shape()) || index.dim() != x.dim()) {
            throw new KilnException("scatterAdd: index " + index.shape() + " and source " + src.shape() + " must have one shape, of the input's rank "
                    + x.dim());
        }
        Tensor placed = Dispatch.compute(new dev.kiln.ir.Index.ScatterAdd(d, x.size(d)), index, src);
        for (int k = 0; k < x.dim(); k++) {
            if (k != d && placed.size(k) < x.size(k)) {
                placed = Dispatch.compute(new Movement.Unslice(k, 0, 1, x.size(k)), placed);
            }
        }
        return x.add(placed);
    }

    private static void checkIndex(String fn, Tensor index) {
        if (index.dtype() != DType.INT64 && index.dtype() != DType.INT32) {
            throw new KilnException(fn + ": the index must be int64, got " + index.dtype());
        }
    }

    /** Tensors joined along {@code dim} (their other sizes equal), as {@code torch.cat}. */
    static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors == null || tensors.isEmpty()) {
            throw new KilnException("cat: no tensors");
        }
        Tensor first = tensors.getFirst();
        int d = axis(first, dim);
        int total = 0;
        for (Tensor t : tensors) {
            if (t.dim() != first.dim()) {
                throw new KilnException("cat: tensors of " + first.dim() + " and " + t.dim() + " dimensions");
            }
            for (int k = 0; k < t.dim(); k++) {
                if (k != d && t.size(k) != first.size(k)) {
                    throw new KilnException("cat: sizes must match except in dimension " + d + ", got " + first.shape() + " and " + t.shape());
                }
            }
            total += t.size(d);
        }
        if (tensors.size() == 1) {
            return first.clone();
        }
        Tensor out = null;
        int at = 0;
        for (Tensor t : tensors) {
            Tensor placed = Dispatch.compute(new Movement.Unslice(d, at, 1, total), t);
            out = out == null ? placed : out.add(placed);
            at += t.size(d);
        }
        return out;
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors == null || tensors.isEmpty()) {
            throw new KilnException("stack: no tensors");
        }
        int d = Shape.normalizeAxis(dim, tensors.getFirst().dim() + 1);
        List<Tensor> unsqueezed = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            if (!t.shape().equals(tensors.getFirst().shape())) {
                throw new KilnException("stack: every tensor must have one shape, got " + tensors.getFirst().shape() + " and " + t.shape());
            }
            unsqueezed.add(t.unsqueeze(d));
        }
        return cat(unsqueezed, d);
    }

    /** Views of {@code size} elements along {@code dim} (the last may be smaller), as {@code torch.split}. */
    static List<Tensor> split(Tensor x, int size, int dim) {
        if (size <= 0) {
            throw new KilnException("split: the size of each part must be positive, got " + size);
        }
        int d = axis(x, dim);
        List<Tensor> parts = new ArrayList<>();
        for (int at = 0; at < x.size(d); at += size) {
            parts.add(x.slice(d, at, Math.min(at + size, x.size(d)), 1));
        }
        return parts;
    }

    static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        if (chunks <= 0) {
            throw new KilnException("chunk: the number of chunks must be positive, got " + chunks);
        }
        int n = x.size(axis(x, dim));
        return split(x, Math.max(1, (n + chunks - 1) / chunks), dim);
    }
}
