package dev.kiln.cpu;

import dev.kiln.Shape;
import dev.kiln.codegen.jvm.KernelFunction;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.codegen.kernel.Plan;
import java.util.Arrays;

/**
 * A batched GEMM (a convolution's {@code [N, groups, O, L]} product) with the loop that consumes it
 * (bias, activation) run on each matrix of the batch as soon as the GEMM has finished it, while it
 * is still in cache: the CPU's form of the planner's rank-2 GEMM epilogues ({@code Epilogues}).
 * The loop qualifies when its domain's first dimension is the batch, it reads the product only at
 * the position it is at in row-major order, has no reductions, and writes into arrays of its own.
 */
record BatchedEpilogue(Plan.MatMulStep step, Shape product, KernelFunction fn) {
    private static final double[] NO_PARTIALS = new double[0];
    /** The step a fused loop leaves behind: it does nothing, the loop ran inside the GEMM before it. */
    static final Object DONE_BY_GEMM = new Object();

    /**
     * In a compiled plan's steps {@code made}: each batched GEMM whose next step is a qualifying loop
     * (already in its final form: not one of {@code laterVector}) runs that loop per batch.
     */
    static void fuse(Plan plan, Object[] made, java.util.List<Integer> laterVector, int[] shareWith) {
        java.util.List<Plan.Step> ps = plan.steps();
        for (int i = 0; i + 1 < made.length; i++) {
            if (ps.get(i) instanceof Plan.MatMulStep m && ps.get(i + 1) instanceof Plan.KernelStep k && !laterVector.contains(i + 1)) {
                KernelFunction fn = made[i + 1] instanceof ChunkedKernel c ? c.function()
                        : made[i + 1] instanceof KernelFunction f ? f : null;
                Shape product = plan.buffers().get(m.out()).shape();
                if (fn != null && fn.rows() > 0 && fits(m, product, k.kernel(), shareWith)) {
                    made[i] = new BatchedEpilogue(m, product, fn);
                    made[i + 1] = DONE_BY_GEMM;
                }
            }
        }
    }

    /** Whether loop {@code k} may run per batch inside {@code m}'s GEMM (its written buffers own their arrays: {@code shareWith}). */
    static boolean fits(Plan.MatMulStep m, Shape product, Kernel k, int[] shareWith) {
        int r = product.rank();
        if (r < 3 || m.epilogue() != null || !k.hasLoop() || !k.reductions().isEmpty() || !k.accumulates().isEmpty()
                || k.domain().numelLong() != product.numelLong()) {
            return false;
        }
        long batches = 1;
        for (int d = 0; d < r - 2; d++) {
            batches *= product.dim(d);
        }
        if (k.domain().dim(0) != batches) {
            return false;
        }
        int[] rowMajor = k.domain().contiguousStrides();
        boolean reads = false;
        for (Kernel.Load l : k.loads()) {
            if (l.buffer() == m.out()) {
                if (l.offset() != 0 || !Arrays.equals(l.strides(), rowMajor)) {
                    return false;
                }
                reads = true;
            }
        }
        for (Kernel.Store st : k.stores()) {
            if (st.buffer() == m.a() || st.buffer() == m.b() || shareWith[st.buffer()] >= 0) {
                return false;
            }
        }
        return reads;
    }

    void run(Object[] buffers, double[] scalars, Gathered ga, Gathered gb) {
        fn.before(buffers, scalars);
        Gemm.matmulBatches(buffers[step.a()], ga, step.aView(), buffers[step.b()], gb, step.bView(), buffers[step.out()], product,
                batch -> fn.range(buffers, scalars, batch, batch + 1, NO_PARTIALS, 0));
        fn.after(buffers, scalars);
    }
}
