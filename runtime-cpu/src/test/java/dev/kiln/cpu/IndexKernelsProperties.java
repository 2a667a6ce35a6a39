package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.ir.Index;
import dev.kiln.ir.Movement;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.Layout;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.Props;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The fast gather and scatter-add loops against the interpreter's (the oracle), bit for bit: every
 * dtype they take, ranks 1 to 4, every axis, sources that are transposed views, indices broadcast
 * along dimensions (stride 0, as a convolution's windows are), and float32 sums that round.
 */
class IndexKernelsProperties {
    private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32};

    @Test
    void gatherIsTheInterpretersBitForBit() {
        Props.check("fast gather", 300, Generate.longRange(0, Long.MAX_VALUE), seed -> {
            Random r = new Random(seed);
            DType dtype = TYPES[r.nextInt(TYPES.length)];
            int rank = 1 + r.nextInt(4);
            int axis = r.nextInt(rank);
            int[] xDims = dims(r, rank);
            TensorData x = values(r, xDims, dtype, r.nextBoolean());
            int[] iDims = xDims.clone();
            iDims[axis] = 1 + r.nextInt(6);
            for (int d = 0; d < rank; d++) {
                if (d != axis && r.nextInt(3) == 0) {
                    iDims[d] = 1 + r.nextInt(xDims[d]); // gather takes index.size(d) <= x.size(d)
                }
            }
            TensorData index = indices(r, iDims, xDims[axis], axis);
            Index.Gather g = new Index.Gather(axis);
            TensorType type = g.infer(List.of(new TensorType(x.shape(), dtype), new TensorType(index.shape(), DType.INT64)));
            TensorData fast = IndexKernels.gather(g, x, index, type);
            assertNotNull(fast);
            assertSameBits(Interpreter.execute(g, List.of(x, index), type), fast);
        });
    }

    @Test
    void scatterAddIsTheInterpretersBitForBit() {
        Props.check("fast scatterAdd", 300, Generate.longRange(0, Long.MAX_VALUE), seed -> {
            Random r = new Random(seed);
            DType dtype = TYPES[r.nextInt(TYPES.length)];
            int rank = 1 + r.nextInt(4);
            int axis = r.nextInt(rank);
            int[] dims = dims(r, rank);
            int size = 1 + r.nextInt(5);
            TensorData src = values(r, dims, dtype, r.nextBoolean());
            TensorData index = indices(r, dims, size, axis);
            Index.ScatterAdd s = new Index.ScatterAdd(axis, size);
            TensorType type = s.infer(List.of(new TensorType(index.shape(), DType.INT64), new TensorType(src.shape(), dtype)));
            TensorData fast = TensorData.allocate(type.shape(), type.dtype());
            assertTrue(IndexKernels.scatterAddInto(s, index, src, fast));
            assertSameBits(Interpreter.execute(s, List.of(index, src), type), fast);
        });
    }

    /**
     * A window-like index row broadcast over every other dimension (a convolution's im2col and col2im, pooling's
     * windows): runs of evenly spaced positions (consecutive, every other, repeated, backwards) that overlap one
     * another, copied and added run by run, still the interpreter's bits.
     */
    @Test
    void broadcastRowsOfRunsAreTheInterpretersBitForBit() {
        Props.check("runs of positions", 200, Generate.longRange(0, Long.MAX_VALUE), seed -> {
            Random r = new Random(seed);
            int size = 1 + r.nextInt(60);
            int inner = 1 + r.nextInt(120);
            long[] row = new long[inner];
            for (int j = 0; j < inner; ) {
                int start = r.nextInt(size);
                int step = r.nextInt(4) - 1; // -1 to 2: backwards, repeated, consecutive, every other
                int len = 1 + r.nextInt(12);
                for (int t = 0; t < len && j < inner && start + t * step >= 0 && start + t * step < size; t++) {
                    row[j++] = start + t * step;
                }
            }
            int[] outer = {1 + r.nextInt(4), 1 + r.nextInt(4)};
            Shape shape = Shape.of(outer[0], outer[1], inner);
            TensorData index = new TensorData(new Storage.I64(row), new Layout(shape, new int[] {0, 0, 1}, 0));
            TensorData x = values(r, new int[] {outer[0], outer[1], size}, DType.FLOAT32, false);
            Index.Gather g = new Index.Gather(2);
            TensorType gathered = new TensorType(shape, DType.FLOAT32);
            assertSameBits(Interpreter.execute(g, List.of(x, index), gathered), IndexKernels.gather(g, x, index, gathered));
            TensorData src = values(r, new int[] {outer[0], outer[1], inner}, DType.FLOAT32, false);
            Index.ScatterAdd sa = new Index.ScatterAdd(2, size);
            TensorType placed = new TensorType(Shape.of(outer[0], outer[1], size), DType.FLOAT32);
            TensorData fast = TensorData.allocate(placed.shape(), DType.FLOAT32);
            assertTrue(IndexKernels.scatterAddInto(sa, index, src, fast));
            assertSameBits(Interpreter.execute(sa, List.of(index, src), placed), fast);
            // an index past the end inside a run: the interpreter's error
            long[] bad = row.clone();
            bad[r.nextInt(inner)] = size;
            TensorData badIndex = new TensorData(new Storage.I64(bad), new Layout(shape, new int[] {0, 0, 1}, 0));
            assertEquals(assertThrows(KilnException.class, () -> Interpreter.execute(g, List.of(x, badIndex), gathered)).getMessage(),
                    assertThrows(KilnException.class, () -> IndexKernels.gather(g, x, badIndex, gathered)).getMessage());
            assertEquals(assertThrows(KilnException.class, () -> Interpreter.execute(sa, List.of(badIndex, src), placed)).getMessage(),
                    assertThrows(KilnException.class, () -> IndexKernels.scatterAddInto(sa, badIndex, src,
                            TensorData.allocate(placed.shape(), DType.FLOAT32))).getMessage());
        });
    }

    /**
     * Max pooling's positions over random windows (stride, padding up to half the kernel, dilation, ceil mode's
     * extra window) of float32 and float64 planes, holding ties, NaNs and −∞: the threaded loops, and the vector
     * form, give the interpreter's positions.
     */
    @Test
    void windowArgmaxIsTheInterpretersBitForBit() {
        Props.check("fast windowArgmax", 300, Generate.longRange(0, Long.MAX_VALUE), seed -> {
            Random r = new Random(seed);
            int[] dims = {1 + r.nextInt(3), 1 + r.nextInt(4), 1 + r.nextInt(9), 1 + r.nextInt(9)};
            DType dtype = r.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64;
            TensorData x = values(r, dims, dtype, r.nextBoolean());
            TensorData dense = TensorData.allocate(x.shape(), dtype);
            dense.copyFrom(x);
            for (int i = 0; i < dense.shape().numel(); i++) {
                switch (r.nextInt(8)) {
                    case 0 -> dense.storage().setDouble(i, Double.NaN);
                    case 1 -> dense.storage().setDouble(i, Double.NEGATIVE_INFINITY);
                    case 2, 3 -> dense.storage().setDouble(i, r.nextInt(3)); // ties
                    default -> { }
                }
            }
            Index.WindowArgmax op = new Index.WindowArgmax(axis(r, dims[2]), axis(r, dims[3]));
            TensorType type = op.infer(List.of(new TensorType(dense.shape(), dtype)));
            TensorData expected = Interpreter.execute(op, List.of(dense), type);
            TensorData fast = IndexKernels.windowArgmax(op, dense, type);
            assertNotNull(fast);
            assertSameBits(expected, fast);
            if (dtype == DType.FLOAT32) { // the vector form, called directly whatever the sizes
                assertTrue(VectorSupport.argmax() != null || !VectorSupport.enabled());
                TensorData lanes = TensorData.allocate(type.shape(), DType.INT64);
                if (VectorSupport.enabled()) {
                    VectorSupport.argmax().run((float[]) dense.storage().array(), dense.layout(), op, (long[]) lanes.storage().array());
                    assertSameBits(expected, lanes);
                }
            }
        });
    }

    /** An unslice of a contiguous tensor of any dtype, along any axis with any start and step: the interpreter's values. */
    @Test
    void unsliceIsTheInterpretersBitForBit() {
        Props.check("fast unslice", 300, Generate.longRange(0, Long.MAX_VALUE), seed -> {
            Random r = new Random(seed);
            DType dtype = TYPES[r.nextInt(TYPES.length)];
            int rank = 1 + r.nextInt(4);
            int axis = r.nextInt(rank);
            TensorData x = values(r, dims(r, rank), dtype, false);
            int start = r.nextInt(3);
            int step = 1 + r.nextInt(3);
            int size = start + step * (x.shape().dim(axis) - 1) + 1 + r.nextInt(3);
            dev.kiln.ir.Movement.Unslice u = new dev.kiln.ir.Movement.Unslice(axis, start, step, size);
            TensorType type = u.infer(List.of(new TensorType(x.shape(), dtype)));
            TensorData fast = IndexKernels.unslice(u, x, type);
            assertNotNull(fast);
            assertSameBits(Interpreter.execute(u, List.of(x), type), fast);
        });
    }

    /** A window axis over {@code size} positions PyTorch's max pooling accepts: padding at most half the kernel, floor or ceil count. */
    private static Index.WindowArgmax.Axis axis(Random r, int size) {
        while (true) {
            int kernel = 1 + r.nextInt(4);
            int stride = 1 + r.nextInt(3);
            int dilation = 1 + r.nextInt(2);
            int padding = r.nextInt(kernel / 2 + 1);
            long span = (long) size + 2 * padding - (long) dilation * (kernel - 1) - 1;
            if (span < 0) {
                continue;
            }
            int count = (int) (span / stride) + 1;
            if (r.nextBoolean() && span % stride != 0 && span / stride * stride + stride < size + padding) {
                count++; // ceil mode's last window, starting inside the input
            }
            Index.WindowArgmax.Axis a = new Index.WindowArgmax.Axis(size, kernel, stride, padding, dilation, count);
            if (java.util.stream.IntStream.range(0, count).allMatch(o -> a.first(o) >= 0)) { // dilation can skip a tiny input
                return a;
            }
        }
    }

    @Test
    void anIndexOutsideItsDimensionIsTheInterpretersError() {
        TensorData x = values(new Random(1), new int[] {2, 3}, DType.FLOAT32, false);
        TensorData index = new TensorData(new Storage.I64(new long[] {0, 3}), Layout.contiguous(Shape.of(1, 2)));
        Index.Gather g = new Index.Gather(1);
        TensorType type = new TensorType(Shape.of(1, 2), DType.FLOAT32);
        KilnException fast = assertThrows(KilnException.class, () -> IndexKernels.gather(g, x, index, type));
        KilnException oracle = assertThrows(KilnException.class, () -> Interpreter.execute(g, List.of(x, index), type));
        assertEquals(oracle.getMessage(), fast.getMessage());
    }

    private static int[] dims(Random r, int rank) {
        int[] d = new int[rank];
        for (int i = 0; i < rank; i++) {
            d[i] = 1 + r.nextInt(r.nextInt(8) == 0 ? 40 : 5);
        }
        return d;
    }

    /** Random values of {@code dims}, stored transposed (a permuted view of a contiguous buffer) when asked. */
    private static TensorData values(Random r, int[] dims, DType dtype, boolean transposed) {
        int rank = dims.length;
        int[] stored = dims.clone();
        if (transposed && rank > 1) {
            stored[0] = dims[rank - 1];
            stored[rank - 1] = dims[0];
        }
        TensorData d = TensorData.allocate(Shape.of(stored), dtype);
        for (int i = 0; i < d.shape().numel(); i++) {
            // float32 sums of these round (mixed magnitudes), so the order and rounding of the adds show
            d.storage().setDouble(i, dtype.isFloating() ? r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3) : r.nextInt(2000) - 1000);
        }
        if (!transposed || rank == 1) {
            return d;
        }
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = i;
        }
        order[0] = rank - 1;
        order[rank - 1] = 0;
        Movement.Permute p = new Movement.Permute(dev.kiln.ir.Axes.of(order));
        return new TensorData(d.storage(), d.layout().view(p, Shape.of(dims)));
    }

    /** Indices in {@code [0, size)} of {@code dims}, broadcast (stride 0) along some dimensions other than {@code axis}. */
    private static TensorData indices(Random r, int[] dims, int size, int axis) {
        int[] strides = Shape.of(dims).contiguousStrides();
        int span = 1;
        for (int d = dims.length - 1; d >= 0; d--) {
            boolean broadcast = d != axis && r.nextInt(3) == 0;
            strides[d] = broadcast ? 0 : span;
            span *= broadcast ? 1 : dims[d];
        }
        long[] v = new long[span];
        for (int i = 0; i < span; i++) {
            v[i] = r.nextInt(size);
        }
        return new TensorData(new Storage.I64(v), new Layout(Shape.of(dims), strides, 0));
    }

    private static void assertSameBits(TensorData expected, TensorData actual) {
        assertEquals(expected.shape(), actual.shape());
        if (expected.dtype().isFloating()) {
            double[] e = expected.toDoubleArray();
            double[] a = actual.toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(a[i]), "element " + i);
            }
        } else {
            assertArrayEquals(expected.toLongArray(), actual.toLongArray());
        }
    }
}
