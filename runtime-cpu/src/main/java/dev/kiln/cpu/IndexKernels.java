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

    /** {@code op} on {@code in} when it is a gather, a scatter-add these loops take or fused attention; null otherwise (the interpreter runs it). */
    static TensorData execute(dev.kiln.ir.Op op, java.util.List<TensorData> in, TensorType type) {
        return switch (op) {
            case Index.Gather g -> gather(g, in.get(0), in.get(1), type);
            case Index.ScatterAdd s -> {
                TensorData out = TensorData.allocate(type.shape(), type.dtype());
                yield scatterAddInto(s, in.get(0), in.get(1), out) ? out : null;
            }
            // fused attention's tiles share this hook: the eager backend and compiled plans' op steps call it
            case dev.kiln.ir.Attend a -> AttentionKernels.execute(a, in, type);
            default -> null;
        };
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
        for (int o = 0; o < n; o += inner) {
            int bad = gatherRow(oa, o, xa, xo, xInner, xAxis, idx, io, iInner, inner, size);
            if (bad >= 0) {
                pos[last] = bad;
                throw outOfRange("gather", axis, idx[io + bad * iInner], size, pos);
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
        for (int p = 0; p < n; p += inner) {
            // checked before any write of the row, so a bad index leaves the earlier rows only (out is the caller's scratch)
            for (int j = 0; j < inner; j++) {
                long k = idx[io + j * iInner];
                if (k < 0 || k >= s.size()) {
                    pos[last] = j;
                    throw outOfRange("scatterAdd", axis, k, s.size(), pos);
                }
            }
            scatterRow(oa, oo, oInner, oAxis, sa, so, sInner, idx, io, iInner, inner);
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
