package dev.kiln.codegen.cuda;

/**
 * How the emitted CUDA C computes float32 values. float64 values are {@code double} and integers
 * wrap as Java's {@code long} in both modes. A plan that computes no float32 value (a float64 plan)
 * emits EXACT's module in FAST too, options included, so float64 keeps the interpreter's bits.
 */
public enum CudaPrecision {
    /**
     * The interpreter's bits: every floating value computed in {@code double} and rounded to float32
     * where its dtype is, compiled with {@code --fmad=false}. Slow where FP64 is a fraction of FP32.
     */
    EXACT,
    /**
     * float32 values computed in {@code float} (temporaries, literals, math functions, the
     * accumulators of sums and GEMMs), compiled with {@code --fmad=true} so nvcc contracts
     * multiply-adds; the reduction trees and grids stay fixed, so results are the same on every GPU.
     */
    FAST;

    /**
     * The nvcc (or NVRTC) options a module of this precision is compiled with.
     *
     * @return {@code --fmad=false} for EXACT, {@code --fmad=true} for FAST
     */
    public java.util.List<String> options() {
        return switch (this) {
            case EXACT -> CudaModule.OPTIONS;
            case FAST -> CudaModule.FAST_OPTIONS;
        };
    }
}
