package dev.kiln.codegen.kernel;

import dev.kiln.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuses a GEMM with the elementwise loop that consumes it (bias, activation): the loop becomes the
 * GEMM step's epilogue, run on each block of output rows as soon as the block is complete. The
 * loop qualifies when it runs over exactly the product's {@code [n, m]}, reads the product only at
 * the position it is at, has no reductions (a block-wise order would change their sums), and
 * writes neither of the product's operands (other blocks may still be reading them).
 */
public final class Epilogues {
    private Epilogues() {
    }

    /** The steps with each qualifying GEMM-then-kernel pair merged into one GEMM step. */
    public static List<Plan.Step> fuse(List<Plan.Buffer> buffers, List<Plan.Step> steps) {
        List<Plan.Step> out = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            Plan.Step s = steps.get(i);
            if (s instanceof Plan.MatMulStep m && m.epilogue() == null && i + 1 < steps.size()
                    && steps.get(i + 1) instanceof Plan.KernelStep k && fits(m, buffers.get(m.out()).shape(), k.kernel())) {
                out.add(new Plan.MatMulStep(m.a(), m.aView(), m.b(), m.bView(), m.out(), k.kernel()));
                i++;
            } else {
                out.add(s);
            }
        }
        return out;
    }

    static boolean fits(Plan.MatMulStep m, Shape product, Kernel k) {
        if (product.rank() != 2 || !k.hasLoop() || !k.domain().equals(product) || !k.reductions().isEmpty()
                || !k.accumulates().isEmpty()) {
            return false;
        }
        int[] rowMajor = {product.dim(1), 1};
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
            if (st.buffer() == m.a() || st.buffer() == m.b()) {
                return false;
            }
        }
        return reads;
    }
}
