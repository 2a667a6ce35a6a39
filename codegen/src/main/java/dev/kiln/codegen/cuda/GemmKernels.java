package dev.kiln.codegen.cuda;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.spi.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A GEMM step as a shared-memory tiled kernel: each block of 16 x 16 threads computes a
 * {@value #TILE} x {@value #TILE} tile of {@code out}, each thread 4 x 4 elements held in registers,
 * stepping through the inner dimension {@value #DEPTH} at a time with both operands' tiles staged in
 * shared memory. Every element is the interpreter's sum, in its order ({@code k} ascending, in
 * double): the same bits as the reference, on any device. A fused epilogue runs on each element as
 * soon as it is stored, reading it back from the same thread's write.
 */
final class GemmKernels {
    static final int TILE = 64;
    static final int DEPTH = 16;

    private GemmKernels() {
    }

    static void emit(ModuleBuilder m, Plan.MatMulStep g, int step) {
        Shape out = m.plan.buffers().get(g.out()).shape();
        int r = out.rank();
        int n = out.dim(r - 2);
        int cols = out.dim(r - 1);
        int inner = g.aView().shape().dim(r - 1);
        long batch = out.numelLong() / Math.max(1, (long) n * cols);
        if (out.numelLong() == 0) {
            batch = IntStream.range(0, r - 2).mapToLong(out::dim).reduce(1, (a, b) -> a * b);
        }
        if (batch > 65535) {
            throw new IllegalArgumentException("a batched GEMM of " + batch + " matrices exceeds CUDA's grid (65535 in z)");
        }
        String name = "g" + step;
        Kernel e = g.epilogue();
        if (e != null && !e.prologue().isEmpty()) {
            FusedKernels.emitPrologue(m, e);
        }
        DType t = m.dtype(g.out());
        LoopText text = e == null ? null : new LoopText(m, e);
        String a = text == null ? "ga" : text.read(g.a());
        String b = text == null ? "gb" : text.read(g.b());
        String c = text == null ? "gc" : text.write(g.out());
        Layout la = g.aView();
        Layout lb = g.bView();
        // FAST: float32 operands staged and summed in float (nvcc contracts the products into FMAs)
        boolean single = m.single(t) && m.single(m.dtype(g.a())) && m.single(m.dtype(g.b()));
        String real = single ? "float" : "double";
        String zero = single ? "0.0f" : "0.0";
        String load = single ? " ? " : " ? (double) ";
        StringBuilder body = new StringBuilder();
        body.append("    __shared__ ").append(real).append(" as[").append(DEPTH).append("][").append(TILE).append("];\n");
        body.append("    __shared__ ").append(real).append(" bs[").append(DEPTH).append("][").append(TILE).append("];\n");
        body.append("    const int tx = threadIdx.x;\n    const int ty = threadIdx.y;\n    const int t = ty * 16 + tx;\n");
        body.append("    const long long z = blockIdx.z;\n");
        body.append("    const long long aBase = ").append(batchOffset(la, out, "z")).append(";\n");
        body.append("    const long long bBase = ").append(batchOffset(lb, out, "z")).append(";\n");
        body.append("    const long long cBase = z * ").append((long) n * cols).append("LL;\n");
        body.append("    const long long row0 = (long long) blockIdx.y * ").append(TILE).append(";\n");
        body.append("    const long long col0 = (long long) blockIdx.x * ").append(TILE).append(";\n");
        body.append("    ").append(real).append(" acc[4][4] = {{").append(zero).append("}};\n");
        body.append("    for (long long k0 = 0; k0 < ").append(inner).append("LL; k0 += ").append(DEPTH).append(") {\n");
        body.append("        for (int q = 0; q < 4; q++) {\n");
        body.append("            const int at = t + 256 * q;\n");
        body.append("            const long long ar = row0 + (at >> 4), ak = k0 + (at & 15);\n");
        body.append("            as[at & 15][at >> 4] = ar < ").append(n).append(" && ak < ").append(inner).append(load).append(a)
                .append("[aBase + ar * ").append(la.stride(r - 2)).append("LL + ak * ").append(la.stride(r - 1)).append("LL] : ").append(zero)
                .append(";\n");
        body.append("            const long long bk = k0 + (at >> 6), bc = col0 + (at & 63);\n");
        body.append("            bs[at >> 6][at & 63] = bk < ").append(inner).append(" && bc < ").append(cols).append(load).append(b)
                .append("[bBase + bk * ").append(lb.stride(r - 2)).append("LL + bc * ").append(lb.stride(r - 1)).append("LL] : ").append(zero)
                .append(";\n");
        body.append("        }\n        __syncthreads();\n");
        body.append("        const int depth = ").append(inner).append(" - k0 < ").append(DEPTH).append(" ? (int) (").append(inner)
                .append(" - k0) : ").append(DEPTH).append(";\n");
        body.append("        for (int kk = 0; kk < depth; kk++) {\n");
        body.append("            ").append(real).append(" x[4], y[4];\n");
        body.append("            for (int i = 0; i < 4; i++) {\n                x[i] = as[kk][ty + 16 * i];\n                y[i] = bs[kk][tx + 16 * i];\n            }\n");
        body.append("            for (int i = 0; i < 4; i++) {\n                for (int j = 0; j < 4; j++) {\n");
        body.append("                    acc[i][j] += x[i] * y[j];\n                }\n            }\n        }\n");
        body.append("        __syncthreads();\n    }\n");
        body.append("    for (int i = 0; i < 4; i++) {\n        for (int j = 0; j < 4; j++) {\n");
        body.append("            const long long c0 = row0 + ty + 16 * i;\n            const long long c1 = col0 + tx + 16 * j;\n");
        body.append("            if (c0 < ").append(n).append(" && c1 < ").append(cols).append(") {\n");
        body.append("                const long long p = c0 * ").append(cols).append(" + c1;\n");
        body.append("                kiln_store(").append(c).append(", cBase + p, acc[i][j]);\n");
        if (e != null) {
            List<Integer> roots = e.stores().stream().map(Kernel.Store::instr).toList();
            boolean[] need = text.needed(roots);
            body.append(text.instructions(need, "p", "                "));
            for (Kernel.Store s : e.stores()) {
                body.append("                kiln_store(").append(text.write(s.buffer())).append(", p, v").append(s.instr()).append(");\n");
            }
        }
        body.append("            }\n        }\n    }\n");
        List<CudaModule.Param> params;
        List<CudaPlan.Arg> args = new ArrayList<>();
        if (text == null) {
            params = List.of(new CudaModule.Param("ga", "const " + Expressions.ctype(m.dtype(g.a())) + "*"),
                    new CudaModule.Param("gb", "const " + Expressions.ctype(m.dtype(g.b())) + "*"),
                    new CudaModule.Param("gc", Expressions.ctype(t) + "*"));
            args.addAll(List.of(new CudaPlan.Arg.Buffer(g.a()), new CudaPlan.Arg.Buffer(g.b()), new CudaPlan.Arg.Buffer(g.out())));
        } else {
            params = text.params(args);
            body.insert(0, text.scalars("    "));
        }
        String what = "GEMM " + out + " = " + la.shape() + " @ " + lb.shape() + (e == null ? "" : " with the fused epilogue " + e.name());
        m.kernel(what, name, params, body.toString());
        int[] grid = {(int) ((cols + TILE - 1) / TILE), (int) ((n + TILE - 1) / TILE), (int) batch};
        if (grid[0] > 0 && grid[1] > 0 && grid[2] > 0) {
            m.launch(name, grid, new int[] {16, 16, 1}, args, what);
        }
        if (e != null && !e.epilogue().isEmpty()) {
            FusedKernels.emitEpilogue(m, e);
        }
    }

    /** The offset of batch {@code z}'s matrix in a view over {@code out}'s batch dimensions. */
    private static String batchOffset(Layout l, Shape out, String z) {
        int r = out.rank();
        StringBuilder sb = new StringBuilder(Long.toString(l.offset()));
        if (r == 2) {
            return sb.toString();
        }
        // decompose z over the batch dimensions, last fastest
        String rest = z;
        long divisor = 1;
        for (int d = r - 3; d >= 0; d--) {
            String coord = "(" + rest + (divisor == 1 ? "" : " / " + divisor) + ") % " + out.dim(d);
            if (l.stride(d) != 0) {
                sb.append(" + ").append(coord).append(" * ").append(l.stride(d)).append("LL");
            }
            divisor *= out.dim(d);
        }
        return sb.toString();
    }
}
