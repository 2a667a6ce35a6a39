package dev.kiln.cpu;

import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.ir.Index;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.Arrays;

/**
 * Gather and scatter-add over heap arrays at memory speed: the positions are walked in row-major
 * order with running offsets (one add per element and dimension carried, no division), the last
 * dimension as a tight loop. The same order and the same roundings as the interpreter's loops (the
 * oracle they are tested against), so results are bit for bit the interpreter's; convolutions and
 * pooling (windows gathered, then scattered back in backward) spend their index work here.
 */
final class IndexKernels {
    private IndexKernels() {
    }

    /**
     * {@code op} on {@code in} when it is a gather, a scatter-add, a window argmax or an unslice these loops take, or
     * fused attention; null otherwise (the interpreter runs it).
     */
    static TensorData execute(dev.kiln.ir.Op op, java.util.List<TensorData> in, TensorType type) {
        return switch (op) {
            case Index.Gather g -> gather(g, in.get(0), in.get(1), type);
            case Index.ScatterAdd s -> {
                TensorData out = TensorData.allocate(type.shape(), type.dtype());
                yield scatterAddInto(s, in.get(0), in.get(1), out) ? out : null;
            }
            case Index.WindowArgmax w -> windowArgmax(w, in.get(0), type);
            case dev.kiln.ir.Movement.Unslice u -> unslice(u, in.get(0), type);
            // fused attention's tiles share this hook: the eager backend and compiled plans' op steps call it
            case dev.kiln.ir.Attend a -> AttentionKernels.execute(a, in, type);
            default -> null;
        };
    }

    /**
     * An unslice (x placed in zeros along one axis: the gradient of a slice, and a convolution's zero padding) of a
     * contiguous x: each run of x's inner dimensions copied whole. Null for other layouts, or x in another array type
     * than its result's (the interpreter's copy converts).
     */
    static TensorData unslice(dev.kiln.ir.Movement.Unslice u, TensorData x, TensorType type) {
        if (!x.layout().isContiguous()) { // a strided or broadcast x (a sum's gradient, expanded): its elements in order first
            Object xa = x.storage().array();
            if (xa instanceof float[]) {
                x = new TensorData(new dev.kiln.spi.Storage.F32(Values.floats(x)), dev.kiln.spi.Layout.contiguous(x.shape()));
            } else if (xa instanceof double[]) {
                x = new TensorData(new dev.kiln.spi.Storage.F64(Values.doubles(x)), dev.kiln.spi.Layout.contiguous(x.shape()));
            } else {
                return null;
            }
        }
        TensorData out = TensorData.allocate(type.shape(), type.dtype());
        Shape s = x.shape();
        int inner = 1;
        for (int d = u.axis() + 1; d < s.rank(); d++) {
            inner *= s.dim(d);
        }
        int along = s.dim(u.axis());
        int outer = along == 0 || inner == 0 ? 0 : s.numel() / (along * inner);
        Object xa = x.storage().array();
        Object oa = out.storage().array();
        if (xa.getClass() != oa.getClass()) {
            return null; // x held in another array type (a float32 sum in its float64 accumulator): the interpreter converts
        }
        int xo = x.layout().offset();
        for (int o = 0; o < outer; o++) {
            if (u.step() == 1) { // x's block lands in one run (a padded row: the last axis)
                System.arraycopy(xa, xo + o * along * inner, oa, (o * u.size() + u.start()) * inner, along * inner);
                continue;
            }
            for (int a = 0; a < along; a++) {
                System.arraycopy(xa, xo + (o * along + a) * inner, oa, ((o * u.size()) + u.start() + a * u.step()) * inner, inner);
            }
        }
        return out;
    }

    /**
     * Max pooling's argmax over a heap array: the interpreter's rule and order (so its bits), each window's
     * rows and columns clipped to the input once, the planes shared by Kiln's threads.
     */
    static TensorData windowArgmax(Index.WindowArgmax op, TensorData x, TensorType type) {
        Object xa = x.storage().array();
        if (!(xa instanceof float[]) && !(xa instanceof double[])) {
            return null;
        }
        TensorData out = TensorData.allocate(type.shape(), type.dtype());
        long[] o = (long[]) out.storage().array();
        int[] xs = x.layout().strides();
        if (xa instanceof float[] fa && xs[3] == 1 && VectorSupport.argmax() != null) {
            VectorSupport.argmax().run(fa, x.layout(), op, o);
            return out;
        }
        Shape s = x.shape();
        int planes = s.dim(0) * s.dim(1);
        int w = s.dim(3);
        int xo = x.layout().offset();
        int[][] rows = clipped(op.rows());
        int[][] cols = clipped(op.cols());
        int windows = op.rows().count() * op.cols().count();
        float[] f = xa instanceof float[] fa ? fa : null;
        double[] d = xa instanceof double[] da ? da : null;
        Threads.forEach(planes, parallel(planes, op), plane -> {
            int base = xo + (plane / s.dim(1)) * xs[0] + (plane % s.dim(1)) * xs[1];
            int at = plane * windows;
            for (int oh = 0; oh < rows[0].length; oh++) {
                for (int ow = 0; ow < cols[0].length; ow++) {
                    long best = (long) rows[0][oh] * w + cols[0][ow];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0, r = rows[0][oh]; i < rows[1][oh]; i++, r += op.rows().dilation()) {
                        int row = base + r * xs[2];
                        for (int j = 0, c = cols[0][ow]; j < cols[1][ow]; j++, c += op.cols().dilation()) {
                            double v = f != null ? f[row + c * xs[3]] : d[row + c * xs[3]];
                            if (v > max || v != v) {
                                max = v;
                                best = (long) r * w + c;
                            }
                        }
                    }
                    o[at++] = best;
                }
            }
        });
        return out;
    }

    /** Whether a window argmax is worth Kiln's threads: 64 K window elements or more. */
    static boolean parallel(int planes, Index.WindowArgmax op) {
        return (long) planes * op.rows().count() * op.cols().count() * op.rows().kernel() * op.cols().kernel() >= 1 << 16;
    }

    /** Max pooling's window argmax over float32 planes with a unit column stride, in vectors ({@link VectorArgmax}). */
    interface FloatArgmax {
        /** Each window's position of its maximum in x (of {@code layout}, [N, C, H, W]) into {@code out}, by the interpreter's rule. */
        void run(float[] x, dev.kiln.spi.Layout layout, Index.WindowArgmax op, long[] out);
    }

    /** Per window of the axis: its first position inside the input, and how many of its positions are inside. */
    private static int[][] clipped(Index.WindowArgmax.Axis a) {
        int[][] fromAndCount = new int[2][a.count()];
        for (int k = 0; k < a.count(); k++) {
            int first = a.first(k);
            int last = a.start(k) + (a.kernel() - 1) * a.dilation();
            while (last >= a.size()) {
                last -= a.dilation();
            }
            fromAndCount[0][k] = first;
            fromAndCount[1][k] = (last - first) / a.dilation() + 1;
        }
        return fromAndCount;
    }

    /** {@code x} gathered along the op's axis at {@code index} into a fresh contiguous value; null where the types do not fit (bool). */
    static TensorData gather(Index.Gather g, TensorData x, TensorData index, TensorType type) {
        Object xa = x.storage().array();
        Object ia = index.storage().array();
        if (xa instanceof boolean[] || !(ia instanceof long[] idx)) {
            return null;
        }
        TensorData out = TensorData.allocate(type.shape(), type.dtype());
        Shape s = type.shape();
        int n = s.numel();
        if (n == 0) {
            return out;
        }
        Object oa = out.storage().array();
        int axis = g.axis();
        int rank = s.rank();
        int last = rank - 1;
        int[] dims = s.toArray();
        int[] xs = x.layout().strides();
        int[] is = index.layout().strides();
        int xAxis = xs[axis];
        int size = x.shape().dim(axis);
        xs[axis] = 0; // x's offset follows every dimension but the gathered one
        int inner = dims[last];
        int xInner = xs[last];
        int iInner = is[last];
        int xo = x.layout().offset();
        int io = index.layout().offset();
        int[] pos = new int[rank];
        // one index row for every row (a broadcast index, as a convolution's or pooling's windows): its runs of
        // consecutive positions found once, then each row copied run by run
        int[] runs = axis == last && xInner == 0 && xAxis == 1 && iInner == 1 && oa instanceof float[] && broadcastRow(is, last)
                ? runs(idx, io, inner, size) : null;
        for (int o = 0; o < n; o += inner) {
            if (runs != null) {
                copyRuns((float[]) oa, o, (float[]) xa, xo, runs);
            } else {
                int bad = gatherRow(oa, o, xa, xo, xInner, xAxis, idx, io, iInner, inner, size);
                if (bad >= 0) {
                    pos[last] = bad;
                    throw outOfRange("gather", axis, idx[io + bad * iInner], size, pos);
                }
            }
            for (int d = last - 1; d >= 0; d--) {
                xo += xs[d];
                io += is[d];
                if (++pos[d] < dims[d]) {
                    break;
                }
                xo -= xs[d] * dims[d];
                io -= is[d] * dims[d];
                pos[d] = 0;
            }
        }
        return out;
    }

    /**
     * {@code src} added into {@code out} (contiguous, zeroed by the caller) along the op's axis at
     * {@code index}, in the source's row-major order, each sum rounded as the interpreter rounds it;
     * false where the types do not fit (bool), and nothing was written.
     */
    static boolean scatterAddInto(Index.ScatterAdd s, TensorData index, TensorData src, TensorData out) {
        Object sa = src.storage().array();
        Object ia = index.storage().array();
        Object oa = out.storage().array();
        if (sa instanceof boolean[] || !(ia instanceof long[] idx) || sa.getClass() != oa.getClass()) {
            return false;
        }
        Shape ss = src.shape();
        int n = ss.numel();
        if (n == 0) {
            return true;
        }
        int axis = s.axis();
        int rank = ss.rank();
        int last = rank - 1;
        int[] dims = ss.toArray();
        int[] os = out.shape().contiguousStrides();
        int oAxis = os[axis];
        os[axis] = 0;
        int[] is = index.layout().strides();
        int[] srcs = src.layout().strides();
        int inner = dims[last];
        int oInner = os[last];
        int iInner = is[last];
        int sInner = srcs[last];
        int oo = out.layout().offset();
        int io = index.layout().offset();
        int so = src.layout().offset();
        int[] pos = new int[rank];
        // a broadcast index row (a convolution's col2im, pooling's backward): its runs found (and checked) once
        int[] runs = axis == last && oInner == 0 && oAxis == 1 && iInner == 1 && sInner == 1 && oa instanceof float[]
                && broadcastRow(is, last) ? runs(idx, io, inner, s.size()) : null;
        for (int p = 0; p < n; p += inner) {
            if (runs != null) {
                addRuns((float[]) oa, oo, (float[]) sa, so, runs);
            } else {
                // checked before any write of the row, so a bad index leaves the earlier rows only (out is the caller's scratch)
                for (int j = 0; j < inner; j++) {
                    long k = idx[io + j * iInner];
                    if (k < 0 || k >= s.size()) {
                        pos[last] = j;
                        throw outOfRange("scatterAdd", axis, k, s.size(), pos);
                    }
                }
                scatterRow(oa, oo, oInner, oAxis, sa, so, sInner, idx, io, iInner, inner);
            }
            for (int d = last - 1; d >= 0; d--) {
                oo += os[d];
                io += is[d];
                so += srcs[d];
                if (++pos[d] < dims[d]) {
                    break;
                }
                oo -= os[d] * dims[d];
                io -= is[d] * dims[d];
                so -= srcs[d] * dims[d];
                pos[d] = 0;
            }
        }
        return true;
    }

    /** Whether every row reads the same index row: the index's strides are 0 but along the last dimension. */
    private static boolean broadcastRow(int[] indexStrides, int last) {
        for (int d = 0; d < last; d++) {
            if (indexStrides[d] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The index row {@code idx[io .. io + inner)} as runs of evenly spaced positions (consecutive for a
     * convolution's windows, every other one for a 2×2 pooling's), four ints each (first element, first
     * position, length, step); null if an index is outside {@code [0, size)} (the row-by-row loops then
     * report it where the interpreter does).
     */
    private static int[] runs(long[] idx, int io, int inner, int size) {
        int[] runs = new int[32];
        int count = 0;
        for (int j = 0; j < inner; ) {
            long start = idx[io + j];
            if (start < 0 || start >= size) {
                return null;
            }
            int len = 1;
            long step = j + 1 < inner ? idx[io + j + 1] - start : 1;
            while (j + len < inner && idx[io + j + len] == start + len * step && start + len * step >= 0 && start + len * step < size) {
                len++;
            }
            if (len == 1) {
                step = 1;
            }
            if (count + 4 > runs.length) {
                runs = Arrays.copyOf(runs, runs.length * 2);
            }
            runs[count++] = j;
            runs[count++] = (int) start;
            runs[count++] = len;
            runs[count++] = (int) step;
            j += len;
        }
        return Arrays.copyOf(runs, count);
    }

    /** One row of a gather, run by run (the runs are checked already). */
    private static void copyRuns(float[] out, int o, float[] x, int xo, int[] runs) {
        for (int r = 0; r < runs.length; r += 4) {
            int to = o + runs[r];
            int from = xo + runs[r + 1];
            int len = runs[r + 2];
            int step = runs[r + 3];
            if (step == 1) {
                for (int j = 0; j < len; j++) {
                    out[to + j] = x[from + j];
                }
            } else {
                for (int j = 0; j < len; j++) {
                    out[to + j] = x[from + j * step];
                }
            }
        }
    }

    /** One row of a scatter-add, run by run, in the row's order: each sum a float32 add, as the interpreter's double sum rounded. */
    private static void addRuns(float[] out, int oo, float[] src, int so, int[] runs) {
        for (int r = 0; r < runs.length; r += 4) {
            int from = so + runs[r];
            int to = oo + runs[r + 1];
            int len = runs[r + 2];
            int step = runs[r + 3];
            if (step == 1) {
                for (int j = 0; j < len; j++) {
                    out[to + j] += src[from + j];
                }
            } else {
                for (int j = 0; j < len; j++) {
                    out[to + j * step] += src[from + j];
                }
            }
        }
    }

    /** One row of a gather; returns the first position whose index is outside {@code [0, size)}, or -1. */
    private static int gatherRow(Object oa, int o, Object xa, int xo, int xInner, int xAxis, long[] idx, int io, int iInner,
            int inner, int size) {
        for (int j = 0; j < inner; j++) {
            long k = idx[io + j * iInner];
            if (k < 0 || k >= size) {
                return j;
            }
        }
        switch (oa) {
            case float[] f -> {
                float[] x = (float[]) xa;
                for (int j = 0; j < inner; j++) {
                    f[o + j] = x[xo + j * xInner + (int) idx[io + j * iInner] * xAxis];
                }
            }
            case double[] d -> {
                double[] x = (double[]) xa;
                for (int j = 0; j < inner; j++) {
                    d[o + j] = x[xo + j * xInner + (int) idx[io + j * iInner] * xAxis];
                }
            }
            case long[] l -> {
                long[] x = (long[]) xa;
                for (int j = 0; j < inner; j++) {
                    l[o + j] = x[xo + j * xInner + (int) idx[io + j * iInner] * xAxis];
                }
            }
            case int[] i -> {
                int[] x = (int[]) xa;
                for (int j = 0; j < inner; j++) {
                    i[o + j] = x[xo + j * xInner + (int) idx[io + j * iInner] * xAxis];
                }
            }
            default -> throw new IllegalStateException("gather into " + oa.getClass());
        }
        return -1;
    }

    /** One row of a scatter-add, its indices already checked; float32 sums rounded from double, as the interpreter rounds them. */
    private static void scatterRow(Object oa, int oo, int oInner, int oAxis, Object sa, int so, int sInner, long[] idx, int io,
            int iInner, int inner) {
        switch (oa) {
            case float[] f -> {
                float[] src = (float[]) sa;
                for (int j = 0; j < inner; j++) {
                    int to = oo + j * oInner + (int) idx[io + j * iInner] * oAxis;
                    f[to] = (float) ((double) f[to] + src[so + j * sInner]);
                }
            }
            case double[] d -> {
                double[] src = (double[]) sa;
                for (int j = 0; j < inner; j++) {
                    d[oo + j * oInner + (int) idx[io + j * iInner] * oAxis] += src[so + j * sInner];
                }
            }
            case long[] l -> {
                long[] src = (long[]) sa;
                for (int j = 0; j < inner; j++) {
                    l[oo + j * oInner + (int) idx[io + j * iInner] * oAxis] += src[so + j * sInner];
                }
            }
            case int[] i -> {
                int[] src = (int[]) sa;
                for (int j = 0; j < inner; j++) {
                    i[oo + j * oInner + (int) idx[io + j * iInner] * oAxis] += src[so + j * sInner];
                }
            }
            default -> throw new IllegalStateException("scatterAdd into " + oa.getClass());
        }
    }

    /** The interpreter's error for an index outside its dimension. */
    private static KilnException outOfRange(String op, int axis, long index, int size, int[] pos) {
        return new KilnException(op + ": index " + index + " is out of range for dimension " + axis + " of size " + size
                + " (at index position " + Arrays.toString(pos) + ")");
    }
}
