package dev.kiln.codegen.cuda;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.cuda.CudaModule.Param;
import dev.kiln.codegen.cuda.CudaPlan.Arg;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.ir.Barrier;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Call;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Detach;
import dev.kiln.ir.Draw;
import dev.kiln.ir.Elementwise;
import dev.kiln.ir.Index;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;
import dev.kiln.spi.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Kernels for the steps the fusion planner leaves as single ops (integer arithmetic, copies,
 * unslice, gather and scatter-add, random draws, integer matmul and reductions) and for scalar
 * reads and writes. Each is generic in its sizes: shapes, strides and offsets arrive as
 * {@code KilnView} arguments, so one compiled kernel serves an op of one signature at every shape
 * (what eager execution needs). A module contains each such kernel once, named by its signature.
 */
final class OpKernels {
    private static final String LOOP = "    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {\n";

    private final ModuleBuilder m;

    OpKernels(ModuleBuilder m) {
        this.m = m;
    }

    static Arg view(Shape shape, int[] strides, long offset) {
        return new Arg.View(shape, IntStream.of(strides).asLongStream().toArray(), offset);
    }

    private Arg dense(int buffer) {
        Shape s = m.plan.buffers().get(buffer).shape();
        return view(s, s.contiguousStrides(), 0);
    }

    private Shape shape(int buffer) {
        return m.plan.buffers().get(buffer).shape();
    }

    private static Param p(String name, String type) {
        return new Param(name, type);
    }

    private static String t(DType d) {
        return Expressions.ctype(d);
    }

    private static String s(DType d) {
        return Expressions.suffix(d);
    }

    private void define(String name, String comment, List<Param> params, String body) {
        if (!m.has(name)) {
            m.kernel(comment, name, params, body);
        }
    }

    private void launchOver(String name, long n, List<Arg> args, String purpose) {
        m.launch(name, Geometry.grid(Geometry.blocks(n)), Geometry.block(), args, purpose);
    }

    /** The launches of one interpreted-op step. */
    void step(Plan.OpStep o, int tag) {
        List<Integer> in = o.inputs();
        int out = o.output();
        String what = "step " + tag + ": " + o.op().name() + (o.op().attributes().isEmpty() ? "" : " " + o.op().attributes());
        switch (o.op()) {
            case Elementwise e -> elementwise(e, in, out, tag, what);
            case Reduce r -> reduce(r, in.getFirst(), out, what);
            case Movement.Unslice u -> {
                fill(out, 0, what);
                Shape os = shape(out);
                int[] strides = os.contiguousStrides();
                long offset = (long) u.start() * strides[u.axis()];
                strides[u.axis()] *= u.step();
                place(in.getFirst(), out, view(shape(in.getFirst()), strides, offset), what);
            }
            case Movement mv -> {
                Layout v = Layout.contiguous(shape(in.getFirst())).view(mv, shape(out));
                if (v == null) {
                    throw new IllegalStateException(mv.name() + " of a dense buffer has no view");
                }
                copy(in.getFirst(), out, view(v.shape(), v.strides(), v.offset()), what);
            }
            case Barrier _, Detach _ -> copy(in.getFirst(), out, dense(in.getFirst()), what);
            case Leaf.Constant c -> fill(out, c.value(), what);
            case Leaf.Random r -> random(r.distribution(), out, List.of(new Arg.Int(r.seed()), new Arg.Int(r.offset())), false, what);
            case Draw d -> random(d.distribution(), out, List.of(new Arg.Buffer(in.get(0)), new Arg.Buffer(in.get(1))), true, what);
            case MatMul _ -> matmul(in.get(0), in.get(1), out, what);
            case Index.Gather g -> gather(g, in.get(0), in.get(1), out, tag, what);
            case Index.ScatterAdd sa -> scatterAdd(sa, in.get(0), in.get(1), out, tag, what);
            case Index.WindowArgmax wa -> windowArgmax(wa, in.get(0), out, what);
            case dev.kiln.ir.Collective c -> throw new IllegalArgumentException(c.name() + " " + c.attributes()
                    + ": a compiled CUDA plan does not run collectives yet; on CUDA tensors they run eagerly, through NCCL");
            case dev.kiln.ir.Attend.Forward f -> attendForward(f, in, out, what);
            case dev.kiln.ir.Attend.Backward b -> attendBackward(b, in, out, what);
            case Leaf.Input _ -> throw new IllegalArgumentException("an input is bound, never computed: " + what);
            case Call c -> throw new IllegalArgumentException("custom function " + c.attributes()
                    + " runs on the JVM: inline-calls replaces it by its traced forward before planning");
        }
    }

    /** Whether the interpreter computes {@code op} in long (else double). */
    private static boolean integral(Elementwise op, DType first, DType result) {
        return switch (op) {
            case Compare _ -> first.isIntegral();
            case Cast _ -> first.isIntegral() && result.isIntegral();
            case Unary _, Binary _, Where _ -> result.isIntegral();
        };
    }

    private void elementwise(Elementwise op, List<Integer> in, int out, int tag, String what) {
        DType ot = m.dtype(out);
        boolean integral = integral(op, m.dtype(in.getFirst()), ot);
        boolean fails = integral && op instanceof Binary.Pow;
        StringBuilder name = new StringBuilder("kiln_").append(op.name());
        List<Param> params = new ArrayList<>();
        List<Arg> args = new ArrayList<>();
        StringBuilder loads = new StringBuilder();
        String[] a = new String[in.size()];
        DType[] types = new DType[in.size()];
        for (int j = 0; j < in.size(); j++) {
            DType it = m.dtype(in.get(j));
            types[j] = it;
            name.append('_').append(s(it));
            params.add(p("x" + j, "const " + t(it) + "*"));
            params.add(p("v" + j, "KilnView"));
            args.add(new Arg.Buffer(in.get(j)));
            args.add(dense(in.get(j)));
            String dom = integral || (op instanceof Where && j == 0) ? "long long" : m.real(it);
            loads.append("        const ").append(dom).append(" a").append(j).append(" = ").append(dom.equals("float") ? "" : "(" + dom + ") ")
                    .append('x').append(j).append("[kiln_at(v").append(j).append(", i)];\n");
            if (op instanceof Where && j == 0) {
                types[j] = DType.INT64; // the condition is a long long here
            }
            a[j] = "a" + j;
        }
        name.append("_to_").append(s(ot));
        params.add(p("out", t(ot) + "*"));
        params.add(p("n", "long long"));
        long n = shape(out).numelLong();
        args.add(new Arg.Buffer(out));
        args.add(new Arg.Int(n));
        if (fails) {
            params.add(p("status", "unsigned long long*"));
            params.add(p("tag", "int"));
            args.add(new Arg.Status());
            args.add(new Arg.Int(tag));
        }
        String e = integral ? Expressions.integral(op, a) : Expressions.value(op, a, types, ot, m.precision);
        String arithmetic = integral ? "long" : m.single(ot) && Expressions.inFloat(op, types) ? "float" : "double";
        define(name.toString(), op.name() + " elementwise over strided views (" + arithmetic + " arithmetic)", params,
                LOOP + loads + "        kiln_store(out, i, " + e + ");\n    }\n");
        launchOver(name.toString(), n, args, what);
    }

    private void reduce(Reduce r, int in, int out, String what) {
        DType it = m.dtype(in);
        DType ot = m.dtype(out);
        boolean max = r instanceof Reduce.Max;
        // FAST: a float32 sum of float32 values in float, the same tree
        String acc = ot.isIntegral() ? "long long" : m.single(ot) && m.single(it) ? "float" : "double";
        String init = max ? (ot.isIntegral() ? "-9223372036854775807LL - 1" : "-INFINITY")
                : (ot.isIntegral() ? "0LL" : acc.equals("float") ? "0.0f" : "0.0");
        String name = "kiln_" + (max ? "max" : "sum") + "_" + s(it) + "_to_" + s(ot);
        define(name, (max ? "max" : "sum") + " over the trailing part of a view (kept dimensions first), one block per output, a fixed tree",
                List.of(p("x", "const " + t(it) + "*"), p("v", "KilnView"), p("out", t(ot) + "*"), p("outputs", "long long"),
                        p("extent", "long long")),
                "    __shared__ " + acc + " red[KILN_BLOCK];\n"
                        + "    for (long long o = blockIdx.x; o < outputs; o += gridDim.x) {\n"
                        + "        " + acc + " a = " + init + ";\n"
                        + "        for (long long r = threadIdx.x; r < extent; r += blockDim.x) {\n"
                        + "            a = kiln_combine(a, (" + acc + ") x[kiln_at(v, o * extent + r)], " + max + ");\n"
                        + "        }\n"
                        + "        a = kiln_block_reduce(red, a, " + max + ");\n"
                        + "        if (threadIdx.x == 0) {\n            kiln_store(out, o, a);\n        }\n"
                        + "    }\n");
        Shape s = shape(in);
        int[] strides = s.contiguousStrides();
        int[] order = IntStream.concat(IntStream.range(0, s.rank()).filter(d -> !r.axes().contains(d)),
                IntStream.range(0, s.rank()).filter(d -> r.axes().contains(d))).toArray();
        int[] dims = IntStream.of(order).map(s::dim).toArray();
        int[] st = IntStream.of(order).map(d -> strides[d]).toArray();
        long outputs = shape(out).numelLong();
        long extent = IntStream.range(0, s.rank()).filter(d -> r.axes().contains(d)).mapToLong(s::dim).reduce(1, (x, y) -> x * y);
        m.launch(name, Geometry.grid(Geometry.blockPerOutput(outputs)), Geometry.block(),
                List.of(new Arg.Buffer(in), view(Shape.of(dims), st, 0), new Arg.Buffer(out), new Arg.Int(outputs), new Arg.Int(extent)), what);
    }

    private void copy(int in, int out, Arg view, String what) {
        DType d = m.dtype(out);
        String name = "kiln_copy_" + s(d);
        define(name, "a strided view copied to a dense buffer",
                List.of(p("x", "const " + t(d) + "*"), p("v", "KilnView"), p("out", t(d) + "*"), p("n", "long long")),
                LOOP + "        out[i] = x[kiln_at(v, i)];\n    }\n");
        long n = shape(out).numelLong();
        launchOver(name, n, List.of(new Arg.Buffer(in), view, new Arg.Buffer(out), new Arg.Int(n)), what);
    }

    private void place(int in, int out, Arg target, String what) {
        DType d = m.dtype(out);
        String name = "kiln_place_" + s(d);
        define(name, "a dense buffer copied into a strided view",
                List.of(p("x", "const " + t(d) + "*"), p("n", "long long"), p("out", t(d) + "*"), p("v", "KilnView")),
                LOOP + "        out[kiln_at(v, i)] = x[i];\n    }\n");
        long n = shape(in).numelLong();
        launchOver(name, n, List.of(new Arg.Buffer(in), new Arg.Int(n), new Arg.Buffer(out), target), what);
    }

    private void fill(int out, double value, String what) {
        DType d = m.dtype(out);
        String name = "kiln_fill_" + s(d);
        define(name, "every element set to one value",
                List.of(p("out", t(d) + "*"), p("n", "long long"), p("value", "double")),
                LOOP + "        kiln_store(out, i, value);\n    }\n");
        long n = shape(out).numelLong();
        launchOver(name, n, List.of(new Arg.Buffer(out), new Arg.Int(n), new Arg.Real(value)), what);
    }

    private void random(Leaf.Distribution dist, int out, List<Arg> seedAndOffset, boolean drawn, String what) {
        DType d = m.dtype(out);
        boolean normal = dist == Leaf.Distribution.NORMAL;
        String name = "kiln_" + (normal ? "normal" : "uniform") + "_" + s(d) + (drawn ? "_drawn" : "");
        String value = normal ? (m.single(d) ? "kiln_normalf(seed, offset, i)" : "kiln_normal(seed, offset, i)") : "kiln_uniform(seed, offset, i, " + (d == DType.FLOAT32) + ")";
        List<Param> params = new ArrayList<>(List.of(p("out", t(d) + "*"), p("n", "long long")));
        String head = "";
        if (drawn) {
            params.addAll(List.of(p("seeds", "const long long*"), p("offsets", "const long long*")));
            head = "    const long long seed = seeds[0];\n    const long long offset = offsets[0];\n";
        } else {
            params.addAll(List.of(p("seed", "long long"), p("offset", "long long")));
        }
        define(name, (normal ? "standard normal" : "uniform [0, 1)") + " draws from the Philox stream (Generator's)", params,
                head + LOOP + "        kiln_store(out, i, " + value + ");\n    }\n");
        long n = shape(out).numelLong();
        List<Arg> args = new ArrayList<>(List.of(new Arg.Buffer(out), new Arg.Int(n)));
        args.addAll(seedAndOffset);
        launchOver(name, n, args, what);
    }

    private void matmul(int a, int b, int out, String what) {
        DType d = m.dtype(out);
        String name = "kiln_matmul_" + s(d);
        define(name, "a batched matrix product, one thread per element, summed in double as the interpreter does",
                List.of(p("a", "const " + t(d) + "*"), p("b", "const " + t(d) + "*"), p("out", t(d) + "*"), p("n", "long long"),
                        p("rows", "long long"), p("inner", "long long"), p("cols", "long long")),
                LOOP + "        const long long bt = i / (rows * cols), at = i % (rows * cols);\n"
                        + "        const long long row = at / cols, col = at % cols;\n"
                        + "        double s = 0.0;\n"
                        + "        for (long long q = 0; q < inner; q++) {\n"
                        + "            s += (double) a[(bt * rows + row) * inner + q] * (double) b[(bt * inner + q) * cols + col];\n"
                        + "        }\n"
                        + "        kiln_store(out, i, s);\n    }\n");
        Shape os = shape(out);
        int r = os.rank();
        long n = os.numelLong();
        launchOver(name, n, List.of(new Arg.Buffer(a), new Arg.Buffer(b), new Arg.Buffer(out), new Arg.Int(n), new Arg.Int(os.dim(r - 2)),
                new Arg.Int(shape(a).dim(r - 1)), new Arg.Int(os.dim(r - 1))), what);
    }

    private void gather(Index.Gather g, int x, int index, int out, int tag, String what) {
        DType d = m.dtype(out);
        DType it = m.dtype(index);
        String name = "kiln_gather_" + s(d) + "_" + s(it);
        define(name, "out[p] = x[p with p[axis] = index[p]]; an index out of range fails the run",
                List.of(p("x", "const " + t(d) + "*"), p("xv", "KilnView"), p("index", "const " + t(it) + "*"), p("iv", "KilnView"),
                        p("out", t(d) + "*"), p("axis", "int"), p("n", "long long"), p("status", "unsigned long long*"), p("tag", "int")),
                LOOP + "        const long long idx = (long long) index[i];\n"
                        + "        if (idx < 0 || idx >= xv.shape[axis]) {\n            kiln_fail(status, tag, idx);\n            continue;\n        }\n"
                        + "        long long off = xv.offset, rest = i;\n"
                        + "        for (int d = iv.rank - 1; d >= 0; d--) {\n"
                        + "            off += (d == axis ? idx : rest % iv.shape[d]) * xv.strides[d];\n"
                        + "            rest /= iv.shape[d];\n"
                        + "        }\n"
                        + "        out[i] = x[off];\n    }\n");
        long n = shape(out).numelLong();
        launchOver(name, n, List.of(new Arg.Buffer(x), dense(x), new Arg.Buffer(index), dense(index), new Arg.Buffer(out),
                new Arg.Int(g.axis()), new Arg.Int(n), new Arg.Status(), new Arg.Int(tag)), what);
    }

    private void scatterAdd(Index.ScatterAdd sa, int index, int src, int out, int tag, String what) {
        fill(out, 0, what);
        DType d = m.dtype(out);
        DType it = m.dtype(index);
        String name = "kiln_scatter_add_" + s(d) + "_" + s(it);
        String add = d.isIntegral() ? "kiln_ladd((long long) out[at], (long long) src[p])"
                : m.single(d) ? "out[at] + src[p]" : "(double) out[at] + (double) src[p]";
        define(name, "out[p with p[axis] = index[p]] += src[p]: one thread per line along the axis, in order (no atomics)",
                List.of(p("index", "const " + t(it) + "*"), p("src", "const " + t(d) + "*"), p("sv", "KilnView"), p("out", t(d) + "*"),
                        p("ov", "KilnView"), p("axis", "int"), p("n", "long long"), p("status", "unsigned long long*"), p("tag", "int")),
                LOOP + "        long long rest = i, sbase = 0, obase = 0;\n"
                        + "        for (int d = sv.rank - 1; d >= 0; d--) {\n"
                        + "            if (d == axis) continue;\n"
                        + "            const long long c = rest % sv.shape[d];\n"
                        + "            rest /= sv.shape[d];\n"
                        + "            sbase += c * sv.strides[d];\n"
                        + "            obase += c * ov.strides[d];\n"
                        + "        }\n"
                        + "        for (long long j = 0; j < sv.shape[axis]; j++) {\n"
                        + "            const long long p = sbase + j * sv.strides[axis];\n"
                        + "            const long long idx = (long long) index[p];\n"
                        + "            if (idx < 0 || idx >= ov.shape[axis]) {\n                kiln_fail(status, tag, idx);\n                continue;\n            }\n"
                        + "            const long long at = obase + idx * ov.strides[axis];\n"
                        + "            kiln_store(out, at, " + add + ");\n"
                        + "        }\n    }\n");
        Shape ss = shape(src);
        long lines = IntStream.range(0, ss.rank()).filter(k -> k != sa.axis()).mapToLong(ss::dim).reduce(1, (x, y) -> x * y);
        launchOver(name, lines, List.of(new Arg.Buffer(index), new Arg.Buffer(src), dense(src), new Arg.Buffer(out), dense(out),
                new Arg.Int(sa.axis()), new Arg.Int(lines), new Arg.Status(), new Arg.Int(tag)), what);
    }

    private void windowArgmax(Index.WindowArgmax wa, int x, int out, String what) {
        DType d = m.dtype(x);
        String name = "kiln_window_argmax_" + s(d);
        define(name, "max pooling's positions: each window's h*W + w of its maximum by PyTorch's CPU rule (greater, or NaN, replaces)",
                List.of(p("x", "const " + t(d) + "*"), p("out", "long long*"), p("n", "long long"), p("h", "int"), p("w", "int"),
                        p("oh", "int"), p("ow", "int"), p("kh", "int"), p("sh", "int"), p("ph", "int"), p("dh", "int"), p("kw", "int"),
                        p("sw", "int"), p("pw", "int"), p("dw", "int")),
                LOOP + "        const long long plane = i / ((long long) oh * ow);\n"
                        + "        const int at = (int) (i % ((long long) oh * ow));\n"
                        + "        const int hs = (at / ow) * sh - ph, ws = (at % ow) * sw - pw;\n"
                        + "        int fr = hs, fc = ws;\n"
                        + "        while (fr < 0) fr += dh;\n"
                        + "        while (fc < 0) fc += dw;\n"
                        + "        long long best = (long long) fr * w + fc;\n"
                        + "        double max = -INFINITY;\n"
                        + "        const " + t(d) + "* p = x + plane * h * w;\n"
                        + "        for (int a = 0; a < kh; a++) {\n"
                        + "            const int r = hs + a * dh;\n"
                        + "            if (r < 0 || r >= h) continue;\n"
                        + "            for (int b = 0; b < kw; b++) {\n"
                        + "                const int c = ws + b * dw;\n"
                        + "                if (c < 0 || c >= w) continue;\n"
                        + "                const double v = (double) p[r * w + c];\n"
                        + "                if (v > max || v != v) {\n                    max = v;\n                    best = (long long) r * w + c;\n                }\n"
                        + "            }\n"
                        + "        }\n"
                        + "        out[i] = best;\n    }\n");
        long n = shape(out).numelLong();
        var r = wa.rows();
        var c = wa.cols();
        launchOver(name, n, List.of(new Arg.Buffer(x), new Arg.Buffer(out), new Arg.Int(n), new Arg.Int(r.size()), new Arg.Int(c.size()),
                new Arg.Int(r.count()), new Arg.Int(c.count()), new Arg.Int(r.kernel()), new Arg.Int(r.stride()), new Arg.Int(r.padding()),
                new Arg.Int(r.dilation()), new Arg.Int(c.kernel()), new Arg.Int(c.stride()), new Arg.Int(c.padding()),
                new Arg.Int(c.dilation())), what);
    }

    /** Output columns one thread accumulates at a time, in double registers (a row wider than this takes several passes). */
    static final int ATTEND_CHUNK = 32;

    /** Batch (the product of the leading dimensions), L, S, E and Ev of an attention op's first three inputs. */
    private int[] attendDims(List<Integer> in) {
        Shape q = shape(in.get(0));
        int r = q.rank();
        int batch = 1;
        for (int d = 0; d < r - 2; d++) {
            batch *= q.dim(d);
        }
        return new int[] {batch, q.dim(r - 2), shape(in.get(1)).dim(r - 2), q.dim(r - 1), shape(in.get(2)).dim(r - 1)};
    }

    /** The C of one thread's scaled score of query row {@code qi} against key row {@code j}, into {@code s}, at {@code in}. */
    private static String score(String in, String j) {
        return in + "double dot = 0.0;\n"
                + in + "for (int e = 0; e < E; e++) dot += (double) qi[e] * (double) kb[(long long) " + j + " * E + e];\n"
                + in + "const double s = scale * dot;\n";
    }

    /** The C of {@code rowDot = g_i · o_i} for the output row at {@code orow}, at {@code in}. */
    private static String rowDot(String in) {
        return in + "double rowDot = 0.0;\n"
                + in + "for (int c = 0; c < Ev; c++) rowDot += (double) g[orow + c] * (double) fwd[orow + c];\n";
    }

    /**
     * The C of what one (query row, key row j) pair contributes to backward, at {@code in}: its probability {@code p}
     * from the row's saved logsumexp and {@code ds = p (g_i · v_j - rowDot + gLse) scale}.
     */
    private static String pair(String in) {
        return in + "const double p = exp(s - fwd[orow + Ev]);\n"
                + in + "double dp = 0.0;\n"
                + in + "for (int c = 0; c < Ev; c++) dp += (double) g[orow + c] * (double) vb[(long long) j * Ev + c];\n"
                + in + "const double ds = p * (dp - rowDot + (double) g[orow + Ev]) * scale;\n";
    }

    /**
     * The C that sums {@code term} over {@code loop} into {@link #ATTEND_CHUNK} double registers per chunk of
     * {@code width} output columns ({@code chunk} names the chunk's first column, {@code c} the column in it), then
     * stores column {@code chunk + c} through {@code kiln_store(store chunk + c, ...)}. {@code body} (indented two
     * levels below {@code in}) computes what {@code term} reads at each step of the loop.
     */
    private static String chunked(String in, String chunk, String width, String loop, String body, String term, String store) {
        String in1 = in + "    ";
        String in2 = in1 + "    ";
        String in3 = in2 + "    ";
        String columns = "for (int c = 0; c < " + ATTEND_CHUNK + "; c++)";
        String valid = "if (" + chunk + " + c < " + width + ")";
        return in + "for (int " + chunk + " = 0; " + chunk + " < " + width + "; " + chunk + " += " + ATTEND_CHUNK + ") {\n"
                + in1 + "double acc[" + ATTEND_CHUNK + "];\n"
                + in1 + "#pragma unroll\n"
                + in1 + columns + " acc[c] = 0.0;\n"
                + in1 + loop + " {\n"
                + body
                + in2 + "#pragma unroll\n"
                + in2 + columns + " {\n"
                + in3 + valid + " acc[c] += " + term + ";\n"
                + in2 + "}\n"
                + in1 + "}\n"
                + in1 + "#pragma unroll\n"
                + in1 + columns + " {\n"
                + in2 + valid + " kiln_store(" + store + chunk + " + c, acc[c]);\n"
                + in1 + "}\n"
                + in + "}\n";
    }

    /**
     * Fused attention forward: one thread per query row. A first pass over the keys it sees finds the
     * row's logsumexp (online: running maximum and rescaled sum); then, for each chunk of {@link
     * #ATTEND_CHUNK} output columns, a second pass adds {@code exp(s - lse) v} in double registers.
     * Memory O(1) per row: no score row or matrix is held. Causal: row i sees keys j <= i.
     */
    private void attendForward(dev.kiln.ir.Attend.Forward f, List<Integer> in, int out, String what) {
        DType d = m.dtype(out);
        String name = "kiln_attend_forward_" + s(d);
        String i1 = "        ";
        String i2 = i1 + "    ";
        String i3 = i2 + "    ";
        define(name, "fused attention: each query row's softmax(q k^T scale) v and logsumexp, the scores recomputed, never stored",
                List.of(p("q", "const " + t(d) + "*"), p("k", "const " + t(d) + "*"), p("v", "const " + t(d) + "*"), p("out", t(d) + "*"),
                        p("n", "long long"), p("L", "int"), p("S", "int"), p("E", "int"), p("Ev", "int"), p("causal", "int"),
                        p("scale", "double")),
                LOOP + i1 + "const long long b = i / L;\n"
                        + i1 + "const int row = (int) (i % L);\n"
                        + i1 + "const int count = causal && row + 1 < S ? row + 1 : S;\n"
                        + i1 + "const " + t(d) + "* qi = q + i * E;\n"
                        + i1 + "const " + t(d) + "* kb = k + b * S * E;\n"
                        + i1 + "const " + t(d) + "* vb = v + b * S * Ev;\n"
                        + i1 + t(d) + "* o = out + i * (Ev + 1);\n"
                        + i1 + "double max = -INFINITY, sum = 0.0;\n"
                        + i1 + "for (int j = 0; j < count; j++) {\n"
                        + score(i2, "j")
                        + i2 + "if (s > max) {\n" + i3 + "sum = sum * exp(max - s) + 1.0;\n" + i3 + "max = s;\n"
                        + i2 + "} else {\n" + i3 + "sum += exp(s - max);\n" + i2 + "}\n"
                        + i1 + "}\n"
                        + i1 + "const double lse = count == 0 ? -INFINITY : max + log(sum);\n"
                        + chunked(i1, "c0", "Ev", "for (int j = 0; j < count; j++)",
                                score(i3, "j") + i3 + "const double p = exp(s - lse);\n",
                                "p * (double) vb[(long long) j * Ev + c0 + c]", "o, ")
                        + i1 + "kiln_store(o, Ev, lse);\n    }\n");
        int[] dims = attendDims(in);
        long n = (long) dims[0] * dims[1];
        launchOver(name, n, List.of(new Arg.Buffer(in.get(0)), new Arg.Buffer(in.get(1)), new Arg.Buffer(in.get(2)), new Arg.Buffer(out),
                new Arg.Int(n), new Arg.Int(dims[1]), new Arg.Int(dims[2]), new Arg.Int(dims[3]), new Arg.Int(dims[4]),
                new Arg.Int(f.causal() ? 1 : 0), new Arg.Real(f.scale())), what);
    }

    /**
     * Fused attention backward, deterministic (no atomics): one kernel with a thread per query row for
     * dq, one with a thread per key row for dk and dv, each recomputing its tiles' probabilities from
     * q, k and the saved logsumexp: {@code ds = p (g.v_j - g.o + gLse) scale}.
     */
    private void attendBackward(dev.kiln.ir.Attend.Backward b, List<Integer> in, int out, String what) {
        DType d = m.dtype(out);
        String tt = t(d);
        List<Param> params = List.of(p("q", "const " + tt + "*"), p("k", "const " + tt + "*"), p("v", "const " + tt + "*"),
                p("fwd", "const " + tt + "*"), p("g", "const " + tt + "*"), p("out", tt + "*"), p("n", "long long"), p("L", "int"),
                p("S", "int"), p("E", "int"), p("Ev", "int"), p("causal", "int"), p("scale", "double"));
        String i1 = "        ";
        String i2 = i1 + "    ";
        String i3 = i2 + "    ";
        String i4 = i3 + "    ";
        String setup = i1 + "const " + tt + "* kb = k + b * S * E;\n"
                + i1 + "const " + tt + "* vb = v + b * S * Ev;\n"
                + i1 + tt + "* base = out + b * ((long long) L * E + (long long) S * E + (long long) S * Ev);\n";
        String rows = "kiln_attend_backward_rows_" + s(d);
        define(rows, "fused attention's dq: one thread per query row, dq_i = sum_j ds_ij k_j",
                params, LOOP + i1 + "const long long b = i / L;\n"
                        + i1 + "const int row = (int) (i % L);\n"
                        + i1 + "const int count = causal && row + 1 < S ? row + 1 : S;\n"
                        + i1 + "const " + tt + "* qi = q + i * E;\n"
                        + setup
                        + i1 + "const long long orow = i * (Ev + 1);\n"
                        + rowDot(i1)
                        + chunked(i1, "e0", "E", "for (int j = 0; j < count; j++)", score(i3, "j") + pair(i3),
                                "ds * (double) kb[(long long) j * E + e0 + c]", "base, (long long) row * E + ")
                        + "    }\n");
        String keys = "kiln_attend_backward_keys_" + s(d);
        // for key row j, over the query rows r that see it: dk_j = sum_r ds_rj q_r over E columns, then dv_j = sum_r p_rj g_r
        String query = i4 + "const " + tt + "* qi = q + (b * L + r) * E;\n"
                + i4 + "const long long orow = (b * L + r) * (Ev + 1);\n"
                + score(i4, "j");
        define(keys, "fused attention's dk and dv: one thread per key row j, over the query rows that see it",
                params, LOOP + i1 + "const long long b = i / S;\n"
                        + i1 + "const int j = (int) (i % S);\n"
                        + i1 + "const int first = causal ? j : 0;\n"
                        + setup
                        + chunked(i2, "c0", "E", "for (int r = first; r < L; r++)", query + rowDot(i4) + pair(i4),
                                "ds * (double) qi[c0 + c]", "base, (long long) L * E + (long long) j * E + ")
                        + chunked(i2, "c0", "Ev", "for (int r = first; r < L; r++)",
                                query + i4 + "const double p = exp(s - fwd[orow + Ev]);\n",
                                "p * (double) g[orow + c0 + c]", "base, (long long) L * E + (long long) S * E + (long long) j * Ev + ")
                        + "    }\n");
        int[] dims = attendDims(in);
        for (boolean queries : new boolean[] {true, false}) {
            long n = (long) dims[0] * (queries ? dims[1] : dims[2]);
            List<Arg> args = new ArrayList<>();
            for (int j = 0; j < 5; j++) {
                args.add(new Arg.Buffer(in.get(j)));
            }
            args.addAll(List.of(new Arg.Buffer(out), new Arg.Int(n), new Arg.Int(dims[1]), new Arg.Int(dims[2]), new Arg.Int(dims[3]),
                    new Arg.Int(dims[4]), new Arg.Int(b.causal() ? 1 : 0), new Arg.Real(b.scale())));
            launchOver(queries ? rows : keys, n, args, what + (queries ? " (dq)" : " (dk, dv)"));
        }
    }

    /** slots[slot] = buffer[0]. */
    void read(Plan.ReadScalar r) {
        DType d = m.dtype(r.buffer());
        String name = "kiln_read_" + s(d);
        define(name, "a one-element buffer read into a scalar slot",
                List.of(p("x", "const " + t(d) + "*"), p("slots", "double*"), p("slot", "int")), "    slots[slot] = (double) x[0];\n");
        m.launch(name, Geometry.ONE, Geometry.ONE, List.of(new Arg.Buffer(r.buffer()), new Arg.Slots(), new Arg.Int(r.slot())),
                "s" + r.slot() + " = buf" + r.buffer() + "[0]");
    }

    /** buffer[0] = slots[slot]. */
    void write(Plan.WriteScalar w) {
        DType d = m.dtype(w.buffer());
        String name = "kiln_write_" + s(d);
        define(name, "a scalar slot written into a one-element buffer",
                List.of(p("slots", "const double*"), p("slot", "int"), p("out", t(d) + "*")), "    kiln_store(out, 0, slots[slot]);\n");
        m.launch(name, Geometry.ONE, Geometry.ONE, List.of(new Arg.Slots(), new Arg.Int(w.slot()), new Arg.Buffer(w.buffer())),
                "buf" + w.buffer() + "[0] = s" + w.slot());
    }
}
