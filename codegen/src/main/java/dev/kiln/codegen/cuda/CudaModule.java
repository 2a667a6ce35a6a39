package dev.kiln.codegen.cuda;

import java.util.List;

/**
 * One CUDA C translation unit, immutable: its text, the kernels it defines (each entry point's
 * name and parameter list, in the order a launch passes them) and the compiler options its
 * meaning depends on. Compile it with NVRTC or {@code nvcc -cubin}; every entry is
 * {@code extern "C"}, so its name is its symbol.
 */
public record CudaModule(String source, List<Entry> entries, List<String> options) {
    /**
     * Options every Kiln module is compiled with: no contraction of a multiply and an add into an
     * FMA ({@code --fmad=false}), so each operation rounds as the interpreter's does.
     */
    public static final List<String> OPTIONS = List.of("--fmad=false");

    /**
     * Options of a {@link CudaPrecision#FAST} module: multiply-adds may be contracted into FMAs
     * ({@code --fmad=true}, nvcc's default, named so the module's text says it).
     */
    public static final List<String> FAST_OPTIONS = List.of("--fmad=true");

    public CudaModule {
        entries = List.copyOf(entries);
        options = List.copyOf(options);
    }

    /** A kernel's entry point. */
    public record Entry(String name, List<Param> params) {
        public Entry {
            params = List.copyOf(params);
        }
    }

    /** One parameter: its name and C type ({@code const float*}, {@code long long}, {@code KilnView}, ...). */
    public record Param(String name, String type) {
    }

    /** The entry called {@code name}. */
    public Entry entry(String name) {
        for (Entry e : entries) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("no kernel " + name + " in this module");
    }
}
