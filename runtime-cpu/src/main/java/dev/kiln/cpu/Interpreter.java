package dev.kiln.cpu;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.spi.Layout;
import dev.kiln.Shape;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;
import dev.kiln.ir.Barrier;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Call;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Op;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.Semantics;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * The reference interpreter: plain loops over dense arrays, floating values computed in double
 * and rounded once on store. It is the oracle every backend and pass is tested against.
 */
public final class Interpreter {
    private Interpreter() {
    }

    /** Evaluates a graph's outputs, with each input bound by its slot. */
    public static List<TensorData> run(Graph g, Map<Integer, TensorData> inputsBySlot) {
        Map<Node, TensorData> values = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            if (n.op() instanceof Leaf.Input in) {
                TensorData v = inputsBySlot.get(in.slot());
                if (v == null || !v.shape().equals(n.shape()) || v.dtype() != n.dtype()) {
                    throw new IllegalArgumentException("input #" + in.slot() + " needs " + n.type() + ", got "
                            + (v == null ? "nothing" : v.dtype() + "" + v.shape()));
                }
                values.put(n, v);
                continue;
            }
            List<TensorData> ins = new ArrayList<>(n.inputs().size());
            for (Node i : n.inputs()) {
                ins.add(values.get(i));
            }
            values.put(n, execute(n.op(), ins, n.type()));
        }
        List<TensorData> out = new ArrayList<>();
        for (Node o : g.outputs()) {
            out.add(values.get(o));
        }
        return out;
    }

    /** Computes one op; the result is a fresh contiguous tensor. */
    public static TensorData execute(Op op, List<TensorData> in, TensorType type) {
        Shape shape = type.shape();
        DType dtype = type.dtype();
        return switch (op) {
            case Leaf.Input i -> throw new IllegalArgumentException("an input has no value of its own: bind it");
            case Leaf.Constant c -> Values.of(new double[] {c.value()}, shape, dtype);
            case Leaf.Random r -> random(r, type);
            case Unary u -> unary(u, in.get(0), type);
            case Binary b -> binary(b, in.get(0), in.get(1), type);
            case Compare c -> compare(c, in.get(0), in.get(1), shape);
            case Where w -> where(in.get(0), in.get(1), in.get(2), type);
            case Cast c -> in.get(0).dtype().isIntegral() && dtype.isIntegral()
                    ? Values.ofLongs(Values.longs(in.get(0)), shape, dtype)
                    : Values.of(Values.doubles(in.get(0)), shape, dtype);
            case Reduce r -> reduce(r, in.get(0), type);
            case Movement.Unslice u -> unslice(u, in.get(0), type);
            case Movement m -> {
                Layout view = in.get(0).layout().view(m, shape);
                // Only a reshape of a non-contiguous tensor has no view: its row-major order is the input's.
                yield dense(view == null ? in.get(0) : new TensorData(in.get(0).storage(), view), type);
            }
            case MatMul mm -> matmul(in.get(0), in.get(1), type);
            case Call c -> dev.kiln.internal.Functions.evaluate(c, in);
            case Barrier b -> dense(in.get(0), type);
            case dev.kiln.ir.Detach d -> dense(in.get(0), type);
            case dev.kiln.ir.Draw d -> random(new Leaf.Random(d.distribution(), in.get(0).getLong(0), in.get(1).getLong(0), type), type);
            case dev.kiln.ir.Index.Gather g -> gather(g, in.get(0), in.get(1), type);
            case dev.kiln.ir.Index.ScatterAdd sa -> scatterAdd(sa, in.get(0), in.get(1), type);
            case dev.kiln.ir.Index.WindowArgmax wa -> windowArgmax(wa, in.get(0), type);
            case dev.kiln.ir.Collective.AllReduce a -> a.group().allReduce(in.get(0), a.kind());
            case dev.kiln.ir.Attend a -> AttentionLoops.execute(a, in, type);
        };
    }

    private static TensorData random(Leaf.Random r, TensorType type) {
        int n = type.shape().numel();
        if (r.distribution() == Leaf.Distribution.UNIFORM && type.dtype() == DType.FLOAT32) {
            // each element a pure function of its index: shared by Kiln's threads in even-sized chunks, the same bits
            float[] f = new float[n];
            int chunk = 1 << 16;
            Threads.forEach((n + chunk - 1) / chunk, n >= 2 * chunk,
                    c -> Generator.uniformFloats(r.seed(), r.offset(), f, c * chunk, Math.min(n, (c + 1) * chunk)));
            return new TensorData(new Storage.F32(f), Layout.contiguous(type.shape()));
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.distribution() == Leaf.Distribution.NORMAL
                    ? Generator.normal(r.seed(), r.offset(), i)
                    : Generator.uniform(r.seed(), r.offset(), i, type.dtype());
        }
        return Values.of(v, type.shape(), type.dtype());
    }

    private static TensorData unary(Unary op, TensorData x, TensorType type) {
        if (type.dtype().isIntegral()) {
            long[] a = Values.longs(x);
            for (int i = 0; i < a.length; i++) {
                a[i] = Semantics.applyLong(op, a[i]);
            }
            return Values.ofLongs(a, type.shape(), type.dtype());
        }
        DoubleUnaryOperator f = Semantics.function(op);
        double[] a = Values.doubles(x);
        for (int i = 0; i < a.length; i++) {
            a[i] = f.applyAsDouble(a[i]);
        }
        return Values.of(a, type.shape(), type.dtype());
    }

    private static TensorData binary(Binary op, TensorData x, TensorData y, TensorType type) {
        if (type.dtype().isIntegral()) {
            LongBinaryOperator f = Semantics.longFunction(op);
            long[] a = Values.longs(x);
            long[] b = Values.longs(y);
            for (int i = 0; i < a.length; i++) {
                a[i] = f.applyAsLong(a[i], b[i]);
            }
            return Values.ofLongs(a, type.shape(), type.dtype());
        }
        double[] a = Values.doubles(x);
        double[] b = Values.doubles(y);
        // The commonest ops get their own loops (a shared loop calling Semantics' function would
        // make a megamorphic call per element); each loop is exactly Semantics' definition.
        switch (op) {
            case Binary.Add o -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] += b[i];
                }
            }
            case Binary.Sub o -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] -= b[i];
                }
            }
            case Binary.Mul o -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] *= b[i];
                }
            }
            case Binary.Div o -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] /= b[i];
                }
            }
            case Binary.Pow o -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] = Semantics.pow(a[i], b[i]);
                }
            }
            default -> {
                DoubleBinaryOperator f = Semantics.function(op);
                for (int i = 0; i < a.length; i++) {
                    a[i] = f.applyAsDouble(a[i], b[i]);
                }
            }
        }
        return Values.of(a, type.shape(), type.dtype());
    }

    private static TensorData compare(Compare op, TensorData x, TensorData y, Shape shape) {
        boolean[] out = new boolean[shape.numel()];
        if (x.dtype().isIntegral()) {
            long[] a = Values.longs(x);
            long[] b = Values.longs(y);
            for (int i = 0; i < out.length; i++) {
                out[i] = Semantics.compareLong(op, a[i], b[i]);
            }
        } else {
            double[] a = Values.doubles(x);
            double[] b = Values.doubles(y);
            for (int i = 0; i < out.length; i++) {
                out[i] = Semantics.compare(op, a[i], b[i]);
            }
        }
        return new TensorData(new Storage.Bool(out), Layout.contiguous(shape));
    }

    private static TensorData where(TensorData c, TensorData x, TensorData y, TensorType type) {
        long[] cond = Values.longs(c);
        if (type.dtype().isIntegral()) {
            long[] a = Values.longs(x);
            long[] b = Values.longs(y);
            for (int i = 0; i < a.length; i++) {
                a[i] = cond[i] != 0 ? a[i] : b[i];
            }
            return Values.ofLongs(a, type.shape(), type.dtype());
        }
        double[] a = Values.doubles(x);
        double[] b = Values.doubles(y);
        for (int i = 0; i < a.length; i++) {
            a[i] = cond[i] != 0 ? a[i] : b[i];
        }
        return Values.of(a, type.shape(), type.dtype());
    }

    /** Sum or max over axes; each input element maps to its output element through stride-0 reduced axes. */
    private static TensorData reduce(Reduce r, TensorData x, TensorType type) {
        Shape in = x.shape();
        int[] outStrides = new int[in.rank()];
        int stride = 1;
        for (int k = in.rank() - 1; k >= 0; k--) {
            if (!r.axes().contains(k)) {
                outStrides[k] = stride;
                stride *= in.dim(k);
            }
        }
        Values.Odometer target = new Values.Odometer(new Layout(in, outStrides, 0));
        int n = in.numel();
        int m = type.shape().numel();
        boolean max = r instanceof Reduce.Max;
        if (type.dtype().isIntegral()) {
            long[] a = Values.longs(x);
            long[] acc = new long[m];
            if (max) {
                java.util.Arrays.fill(acc, Long.MIN_VALUE);
            }
            for (int i = 0; i < n; i++, target.next()) {
                int j = target.index();
                acc[j] = max ? Math.max(acc[j], a[i]) : acc[j] + a[i];
            }
            return Values.ofLongs(acc, type.shape(), type.dtype());
        }
        double[] a = Values.doubles(x);
        double[] acc = new double[m];
        if (max) {
            java.util.Arrays.fill(acc, Double.NEGATIVE_INFINITY);
        }
        for (int i = 0; i < n; i++, target.next()) {
            int j = target.index();
            acc[j] = max ? Math.max(acc[j], a[i]) : acc[j] + a[i];
        }
        return Values.of(acc, type.shape(), type.dtype());
    }

    /** The elements of {@code view} in row-major order, as a fresh contiguous tensor of {@code type}. */
    private static TensorData dense(TensorData view, TensorType type) {
        return type.dtype().isIntegral()
                ? Values.ofLongs(Values.longs(view), type.shape(), type.dtype())
                : Values.of(Values.doubles(view), type.shape(), type.dtype());
    }

    /** out[m] = x[m with m[axis] = index[m]], in row-major order of the index. */
    private static TensorData gather(dev.kiln.ir.Index.Gather g, TensorData x, TensorData index, TensorType type) {
        Shape xs = x.shape();
        int[] xStrides = xs.contiguousStrides();
        int[] pos = new int[type.shape().rank()];
        int n = type.shape().numel();
        TensorData out = TensorData.allocate(type.shape(), type.dtype());
        boolean integral = type.dtype().isIntegral();
        for (int p = 0; p < n; p++) {
            int flat = position(g.axis(), index.getLong(p), xs.dim(g.axis()), pos, xStrides, "gather");
            if (integral) {
                out.storage().setLong(p, x.getLong(flat)); // row-major position, through x's layout
            } else {
                out.storage().setDouble(p, x.getDouble(flat));
            }
            next(pos, type.shape());
        }
        return out;
    }

    /**
     * Zeros of the output's shape (as allocated), src[m] added at m with m[axis] = index[m], in row-major
     * order of the source: the work is the source's size, not the output's.
     */
    private static TensorData scatterAdd(dev.kiln.ir.Index.ScatterAdd s, TensorData index, TensorData src, TensorType type) {
        return scatterAddInto(s, index, src, TensorData.allocate(type.shape(), type.dtype()));
    }

    /** {@link #scatterAdd} into {@code out} (contiguous, of the result's shape and dtype, zeroed by the caller). */
    static TensorData scatterAddInto(dev.kiln.ir.Index.ScatterAdd s, TensorData index, TensorData src, TensorData out) {
        TensorType type = new TensorType(out.shape(), out.dtype());
        int[] outStrides = type.shape().contiguousStrides();
        Shape ss = src.shape();
        int[] pos = new int[ss.rank()];
        boolean integral = type.dtype().isIntegral();
        for (int p = 0; p < ss.numel(); p++) {
            int flat = position(s.axis(), index.getLong(p), s.size(), pos, outStrides, "scatterAdd");
            if (integral) {
                out.storage().setLong(flat, out.storage().getLong(flat) + src.getLong(p));
            } else {
                out.storage().setDouble(flat, out.storage().getDouble(flat) + src.getDouble(p));
            }
            next(pos, ss);
        }
        return out;
    }

    /** The row-major offset of {@code pos} with {@code index} along {@code axis}, checked against {@code size}. */
    /** Each window's position of its maximum, by PyTorch's CPU rule, in direct loops (the oracle of {@link IndexKernels}). */
    static TensorData windowArgmax(dev.kiln.ir.Index.WindowArgmax op, TensorData x, TensorType type) {
        Shape s = x.shape();
        int planes = s.dim(0) * s.dim(1);
        int h = s.dim(2);
        int w = s.dim(3);
        var rows = op.rows();
        var cols = op.cols();
        TensorData out = TensorData.allocate(type.shape(), type.dtype());
        int p = 0;
        for (int plane = 0; plane < planes; plane++) {
            for (int oh = 0; oh < rows.count(); oh++) {
                for (int ow = 0; ow < cols.count(); ow++) {
                    long best = (long) rows.first(oh) * w + cols.first(ow);
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < rows.kernel(); i++) {
                        int r = rows.start(oh) + i * rows.dilation();
                        for (int j = 0; j < cols.kernel(); j++) {
                            int c = cols.start(ow) + j * cols.dilation();
                            if (r < 0 || r >= h || c < 0 || c >= w) {
                                continue;
                            }
                            double v = x.getDouble((plane * h + r) * w + c);
                            if (v > max || Double.isNaN(v)) {
                                max = v;
                                best = (long) r * w + c;
                            }
                        }
                    }
                    out.storage().setLong(p++, best);
                }
            }
        }
        return out;
    }

    private static int position(int axis, long index, int size, int[] pos, int[] strides, String op) {
        if (index < 0 || index >= size) {
            throw new dev.kiln.KilnException(op + ": index " + index + " is out of range for dimension " + axis + " of size " + size
                    + " (at index position " + java.util.Arrays.toString(pos) + ")");
        }
        int flat = 0;
        for (int k = 0; k < pos.length; k++) {
            flat += (k == axis ? (int) index : pos[k]) * strides[k];
        }
        return flat;
    }

    /** The next row-major position. */
    private static void next(int[] pos, Shape shape) {
        for (int k = pos.length - 1; k >= 0; k--) {
            if (++pos[k] < shape.dim(k)) {
                return;
            }
            pos[k] = 0;
        }
    }

    private static TensorData unslice(Movement.Unslice u, TensorData x, TensorType type) {
        TensorData out = TensorData.allocate(type.shape(), type.dtype());
        int[] strides = type.shape().contiguousStrides();
        int offset = u.start() * strides[u.axis()];
        strides[u.axis()] *= u.step();
        TensorData target = new TensorData(out.storage(), new Layout(x.shape(), strides, offset));
        target.copyFrom(x);
        return out;
    }

    private static TensorData matmul(TensorData x, TensorData y, TensorType type) {
        Shape sa = x.shape();
        Shape sb = y.shape();
        int r = sa.rank();
        int rows = sa.dim(r - 2);
        int inner = sa.dim(r - 1);
        int cols = sb.dim(r - 1);
        int batches = rows * cols == 0 ? type.shape().numel() : type.shape().numel() / (rows * cols);
        double[] a = Values.doubles(x);
        double[] b = Values.doubles(y);
        double[] c = new double[type.shape().numel()];
        for (int bt = 0; bt < batches; bt++) {
            int ao = bt * rows * inner;
            int bo = bt * inner * cols;
            int co = bt * rows * cols;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double s = 0;
                    for (int k = 0; k < inner; k++) {
                        s += a[ao + i * inner + k] * b[bo + k * cols + j];
                    }
                    c[co + i * cols + j] = s;
                }
            }
        }
        return Values.of(c, type.shape(), type.dtype());
    }
}
