package dev.kiln.codegen.cuda;

import dev.kiln.DType;
import dev.kiln.codegen.kernel.Plan;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A module under construction: kernel texts and entries (library kernels once each), launches, scratch. */
final class ModuleBuilder {
    /** The device helpers every module starts with. */
    static final String HELPERS = resource("kiln_device.cuh");
    /** The float forms of helpers, after {@link #HELPERS} in a FAST module. */
    static final String FAST_HELPERS = resource("kiln_device_fast.cuh");

    final Plan plan;
    final CudaPrecision precision;
    /** Whether some text computes a value in float: else a FAST module is EXACT's, options included. */
    private boolean computesFloat;
    private final StringBuilder kernels = new StringBuilder();
    private final Map<String, CudaModule.Entry> entries = new LinkedHashMap<>();
    final List<CudaPlan.Launch> launches = new ArrayList<>();
    private int scratch;

    ModuleBuilder(Plan plan, CudaPrecision precision) {
        this.plan = plan;
        this.precision = precision;
    }

    private static String resource(String name) {
        try (InputStream in = ModuleBuilder.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("kiln-codegen is missing its resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    DType dtype(int buffer) {
        return plan.buffers().get(buffer).dtype();
    }

    /** Whether a value of {@code t} is computed in {@code float}: float32 in FAST precision. */
    boolean single(DType t) {
        boolean single = precision == CudaPrecision.FAST && t == DType.FLOAT32;
        computesFloat |= single;
        return single;
    }

    /** The C type a floating (or fused integer) value of {@code t} is computed in. */
    String real(DType t) {
        return single(t) ? "float" : "double";
    }

    /** The zero literal of an accumulator of {@code t} values. */
    String zero(DType t) {
        return single(t) ? "0.0f" : "0.0";
    }

    boolean has(String name) {
        return entries.containsKey(name);
    }

    /** Adds kernel {@code name} with {@code params} and the statements of its body (already indented). */
    void kernel(String comment, String name, List<CudaModule.Param> params, String body) {
        if (entries.containsKey(name)) {
            throw new IllegalStateException("kernel " + name + " defined twice");
        }
        entries.put(name, new CudaModule.Entry(name, params));
        kernels.append("\n// ").append(comment).append('\n').append("KILN_ENTRY void ").append(name).append('(');
        for (int i = 0; i < params.size(); i++) {
            kernels.append(i == 0 ? "" : ", ").append(params.get(i).type()).append(' ').append(params.get(i).name());
        }
        kernels.append(") {\n").append(body).append("}\n");
    }

    void launch(String entry, int[] grid, int[] block, List<CudaPlan.Arg> args, String purpose) {
        CudaModule.Entry e = entries.get(entry);
        if (e == null || e.params().size() != args.size()) {
            throw new IllegalStateException("launch of " + entry + " with " + args.size() + " argument(s) for "
                    + (e == null ? "no such kernel" : e.params().size() + " parameter(s)"));
        }
        launches.add(new CudaPlan.Launch(entry, grid, block, args, purpose));
    }

    /** {@code count} doubles of scratch; returns the first one's index. */
    int scratch(int count) {
        int at = scratch;
        scratch += count;
        return at;
    }

    CudaPlan build(String summary) {
        // the options say how the text rounds, so they travel with it when it is saved alone (Kiln.cudaSource)
        boolean fast = precision == CudaPrecision.FAST && computesFloat;
        List<String> options = (fast ? CudaPrecision.FAST : CudaPrecision.EXACT).options();
        String source = "// Kiln CUDA module: " + summary + "\n// nvcc options: " + String.join(" ", options) + "\n"
                + (fast ? "// precision FAST: float32 values computed in float\n" : "") + HELPERS + (fast ? FAST_HELPERS : "") + kernels;
        return new CudaPlan(plan, new CudaModule(source, List.copyOf(entries.values()), options), launches, scratch);
    }
}
