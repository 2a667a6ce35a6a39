package dev.kiln.cpu;

import dev.kiln.Shape;
import dev.kiln.spi.TensorData;

/**
 * A float32 gather that is never materialized: a GEMM operand whose packing reads each element
 * straight from the gather's source through its index (an implicit im2col: a convolution's
 * windows are packed into the GEMM's panels without the {@code [N, C·k·k, L]} buffer).
 *
 * <p>Positions are flat offsets into the gather's contiguous row-major result {@code [outer...,
 * axis]}, so a GEMM reads it through the same views (reshapes, transposes, batch offsets) it would
 * read the materialized result through, and packs the same values: the product's bits do not change.
 * Indices are checked once per run ({@link #check}); reads are stateless, so packing threads share one.
 */
final class Gathered {
    private final float[] x;
    private final long[] index;
    /** The gather result's outer dimensions (all but the last, the gathered axis). */
    private final int[] outer;
    /** Per outer dimension: x's stride and the index's stride. */
    private final int[] xStrides;
    private final int[] indexStrides;
    private final int xOffset;
    private final int indexOffset;
    /** The gathered axis: its length in the result, x's stride along it, the index's stride along it. */
    private final int axis;
    private final int xAxisStride;
    private final int indexAxisStride;
    /**
     * Where the index is the same for every outer position (a convolution's windows, broadcast over
     * batch and channels): x's offset along the axis per result position, converted once per run.
     */
    private final int[] shared;
    /**
     * With {@link #shared}: how many positions from each one on read consecutive elements of x (a
     * stride-1 convolution's window row), so packing copies runs rather than element by element.
     */
    private final int[] runs;
    private final TensorData xData;
    private final TensorData indexData;
    private final dev.kiln.ir.Index.Gather op;
    private final Shape shape;

    /** The gather {@code op} of {@code x} at {@code index} (along the last axis of a result of {@code shape}). */
    Gathered(dev.kiln.ir.Index.Gather op, TensorData x, TensorData index, Shape shape) {
        int rank = shape.rank();
        if (op.axis() != rank - 1) {
            throw new IllegalArgumentException("an implicit gather runs along the last axis, not " + op.axis());
        }
        this.op = op;
        this.shape = shape;
        this.xData = x;
        this.indexData = index;
        this.x = (float[]) x.storage().array();
        this.index = (long[]) index.storage().array();
        this.outer = new int[rank - 1];
        this.xStrides = new int[rank - 1];
        this.indexStrides = new int[rank - 1];
        for (int d = 0; d < rank - 1; d++) {
            outer[d] = shape.dim(d);
            xStrides[d] = x.layout().stride(d);
            indexStrides[d] = index.layout().stride(d);
        }
        this.xOffset = x.layout().offset();
        this.indexOffset = index.layout().offset();
        this.axis = shape.dim(rank - 1);
        this.xAxisStride = x.layout().stride(rank - 1);
        this.indexAxisStride = index.layout().stride(rank - 1);
        this.shared = java.util.Arrays.stream(indexStrides).allMatch(st -> st == 0) ? new int[axis] : null;
        this.runs = shared == null ? null : new int[axis];
    }

    /** Whether {@code op} on these operands can run implicitly: float32 values at int64 positions, along the last axis. */
    static boolean fits(dev.kiln.ir.Index.Gather op, dev.kiln.DType x, dev.kiln.DType index, Shape shape) {
        return x == dev.kiln.DType.FLOAT32 && index == dev.kiln.DType.INT64 && shape.rank() >= 1
                && op.axis() == shape.rank() - 1 && shape.numelLong() < Integer.MAX_VALUE;
    }

    /**
     * Throws the gather's own error where an index is outside x's axis (the materialized gather
     * reports it); each distinct index element is read once, broadcast dimensions skipped.
     */
    void check() {
        int size = xData.shape().dim(shape.rank() - 1);
        int rank = outer.length;
        int[] pos = new int[rank];
        int io = indexOffset;
        while (true) {
            for (int j = 0; j < axis; j++) {
                long k = index[io + j * indexAxisStride];
                if (k < 0 || k >= size) {
                    IndexKernels.gather(op, xData, indexData, new dev.kiln.ir.TensorType(shape, dev.kiln.DType.FLOAT32));
                    throw new IllegalStateException("gather index " + k + " out of range but not reported");
                }
            }
            int d = rank - 1;
            for (; d >= 0; d--) {
                if (indexStrides[d] == 0) {
                    continue;
                }
                io += indexStrides[d];
                if (++pos[d] < outer[d]) {
                    break;
                }
                io -= indexStrides[d] * outer[d];
                pos[d] = 0;
            }
            if (d < 0) {
                break;
            }
        }
        if (shared != null) {
            for (int a = 0; a < axis; a++) {
                shared[a] = (int) index[indexOffset + a * indexAxisStride] * xAxisStride;
            }
            for (int a = axis - 1; a >= 0; a--) {
                runs[a] = a + 1 < axis && shared[a + 1] == shared[a] + 1 ? runs[a + 1] + 1 : 1;
            }
        }
    }

    /**
     * Copies {@code len} consecutive elements of the gather result, from flat position {@code at},
     * to {@code dst[dstOff + j * dstStride]}.
     */
    void read(int at, int len, float[] dst, int dstOff, int dstStride) {
        copy(at, len, dst, dstOff, dstStride, Integer.MAX_VALUE, 0);
    }

    /**
     * Copies {@code len} consecutive elements from flat position {@code at} into GEMM panels
     * {@code nr} wide: element j to {@code dst[dstOff + (j / nr) * panel + j % nr]}.
     */
    void readPanels(int at, int len, float[] dst, int dstOff, int nr, int panel) {
        copy(at, len, dst, dstOff, 1, nr, panel);
    }

    /** Element j to {@code dst[dstOff + (j / nr) * panel + (j % nr) * stride]}; each row of the result located once. */
    private void copy(int at, int len, float[] dst, int dstOff, int stride, int nr, int panel) {
        int col = 0;
        int base = dstOff;
        while (len > 0) {
            int row = at / axis;
            int a = at - row * axis;
            int n = Math.min(len, axis - a);
            int xo = xOffset;
            int io = indexOffset;
            for (int d = outer.length - 1, r = row; d >= 0; d--) {
                int q = r / outer[d];
                int c = r - q * outer[d];
                xo += c * xStrides[d];
                io += c * indexStrides[d];
                r = q;
            }
            if (shared != null) {
                for (int j = 0; j < n; ) {
                    int src = xo + shared[a + j];
                    int r = Math.min(runs[a + j], n - j);
                    j += r;
                    while (r > 0) { // a run of consecutive x elements, split where a panel ends
                        int t = Math.min(r, nr - col);
                        if (stride == 1) {
                            System.arraycopy(x, src, dst, base + col, t);
                        } else {
                            for (int q = 0; q < t; q++) {
                                dst[base + (col + q) * stride] = x[src + q];
                            }
                        }
                        src += t;
                        r -= t;
                        col += t;
                        if (col == nr) {
                            col = 0;
                            base += panel;
                        }
                    }
                }
            } else {
                io += a * indexAxisStride;
                for (int j = 0; j < n; j++) {
                    dst[base + col * stride] = x[xo + (int) index[io + j * indexAxisStride] * xAxisStride];
                    if (++col == nr) {
                        col = 0;
                        base += panel;
                    }
                }
            }
            at += n;
            len -= n;
        }
    }
}
