package dev.kiln.codegen.cuda;

import dev.kiln.codegen.kernel.Plan;

/**
 * Emits CUDA C for a {@link Plan}: every step becomes kernels of one module and launches in step
 * order, so a plan runs on the device from its inputs to its outputs without the host. Fused
 * kernels ({@link FusedKernels}) and GEMMs ({@link GemmKernels}) are specialized to the plan's
 * shapes; the single-op steps ({@link OpKernels}) take their shapes as arguments.
 */
public final class CudaEmitter {
    private CudaEmitter() {
    }

    /**
     * The device helpers every module starts with ({@code KilnView}, {@code kiln_at}, {@code kiln_store}
     * and the rest), for a backend's own kernels written against the same conventions.
     *
     * @return the helpers' CUDA C text
     */
    public static String deviceHelpers() {
        return ModuleBuilder.HELPERS;
    }

    /**
     * The plan in {@link CudaPrecision#EXACT} precision: the interpreter's bits.
     *
     * @param plan the plan to emit
     * @return its module and launches
     */
    public static CudaPlan emit(Plan plan) {
        return emit(plan, CudaPrecision.EXACT);
    }

    /**
     * The plan in {@code precision}: EXACT computes every floating value in double, FAST computes
     * float32 values in float (see {@link CudaPrecision}).
     *
     * @param plan the plan to emit
     * @param precision how float32 values are computed
     * @return its module and launches
     */
    public static CudaPlan emit(Plan plan, CudaPrecision precision) {
        ModuleBuilder m = new ModuleBuilder(plan, precision);
        OpKernels ops = new OpKernels(m);
        for (int i = 0; i < plan.steps().size(); i++) {
            // no default: a new kind of step fails to compile here until CUDA runs it
            switch (plan.steps().get(i)) {
                case Plan.KernelStep k -> FusedKernels.emit(m, k.kernel());
                case Plan.MatMulStep g -> GemmKernels.emit(m, g, i);
                case Plan.OpStep o -> ops.step(o, i);
                case Plan.ReadScalar r -> ops.read(r);
                case Plan.WriteScalar w -> ops.write(w);
            }
        }
        return m.build(plan.summary());
    }
}
