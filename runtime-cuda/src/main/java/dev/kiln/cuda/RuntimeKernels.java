package dev.kiln.cuda;

import dev.kiln.DType;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * The backend's own kernels, one module per device compiled once: a strided copy from any view to
 * any view with the dtype converted as the CPU converts ({@code kiln_rt_convert_A_to_B}), and a fill
 * of any view ({@code kiln_rt_fill_T}). They serve {@code Backend.copy} and {@code fill}, making a
 * view contiguous, and binding a compiled run's inputs; the device helpers are the emitter's own.
 */
final class RuntimeKernels {
    private static final int BLOCK = 256;
    private static final int MAX_BLOCKS = 4096;
    static final CudaModule MODULE = build();

    private RuntimeKernels() {
    }

    static String ctype(DType d) {
        return switch (d) {
            case FLOAT32 -> "float";
            case FLOAT64 -> "double";
            case INT64 -> "long long";
            case INT32 -> "int";
            case BOOL -> "unsigned char";
        };
    }

    static String suffix(DType d) {
        return switch (d) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case INT64 -> "i64";
            case INT32 -> "i32";
            case BOOL -> "bool";
        };
    }

    static String convert(DType from, DType to) {
        return "kiln_rt_convert_" + suffix(from) + "_to_" + suffix(to);
    }

    static String fill(DType d) {
        return "kiln_rt_fill_" + suffix(d);
    }

    private static CudaModule build() {
        String loop = "    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {\n";
        StringBuilder src = new StringBuilder("// Kiln CUDA runtime kernels: strided copies with dtype conversion, fills\n");
        src.append("// nvcc options: ").append(String.join(" ", CudaModule.OPTIONS)).append('\n').append(CudaEmitter.deviceHelpers());
        List<CudaModule.Entry> entries = new ArrayList<>();
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                String name = convert(from, to);
                // integers convert exactly through long long (as the CPU's long path); anything floating through double
                String via = from.isIntegral() && to.isIntegral() ? "long long" : "double";
                src.append("\nKILN_ENTRY void ").append(name).append("(const ").append(ctype(from)).append("* x, KilnView xv, ")
                        .append(ctype(to)).append("* out, KilnView ov, long long n) {\n").append(loop)
                        .append("        kiln_store(out, kiln_at(ov, i), (").append(via).append(") x[kiln_at(xv, i)]);\n    }\n}\n");
                entries.add(new CudaModule.Entry(name, List.of(new CudaModule.Param("x", "const " + ctype(from) + "*"),
                        new CudaModule.Param("xv", "KilnView"), new CudaModule.Param("out", ctype(to) + "*"),
                        new CudaModule.Param("ov", "KilnView"), new CudaModule.Param("n", "long long"))));
            }
        }
        for (DType d : DType.values()) {
            String name = fill(d);
            src.append("\nKILN_ENTRY void ").append(name).append('(').append(ctype(d)).append("* out, KilnView ov, long long n, double value) {\n")
                    .append(loop).append("        kiln_store(out, kiln_at(ov, i), value);\n    }\n}\n");
            entries.add(new CudaModule.Entry(name, List.of(new CudaModule.Param("out", ctype(d) + "*"), new CudaModule.Param("ov", "KilnView"),
                    new CudaModule.Param("n", "long long"), new CudaModule.Param("value", "double"))));
        }
        return new CudaModule(src.toString(), entries, CudaModule.OPTIONS);
    }

    /** A launch of {@code entry} over {@code n} elements with {@code args}. */
    static CudaPlan.Launch launch(String entry, long n, List<CudaPlan.Arg> args) {
        int blocks = (int) Math.max(1, Math.min(MAX_BLOCKS, (n + BLOCK - 1) / BLOCK));
        return new CudaPlan.Launch(entry, new int[] {blocks, 1, 1}, new int[] {BLOCK, 1, 1}, args, entry);
    }

    /** The {@code KilnView} argument of a layout. */
    static CudaPlan.Arg view(dev.kiln.spi.Layout l) {
        return new CudaPlan.Arg.View(l.shape(), LongStream.range(0, l.shape().rank()).map(d -> l.stride((int) d)).toArray(), l.offset());
    }
}
