package dev.kiln.codegen.kernel;

import dev.kiln.DType;
import dev.kiln.spi.Layout;
import dev.kiln.Shape;
import dev.kiln.ir.Op;
import java.util.List;

/**
 * A graph as a sequence of steps over numbered buffers and scalar slots: fused kernels, GEMMs, and
 * single ops that no fused kernel covers (each backend runs those its own way, and lists them).
 */
public record Plan(List<Buffer> buffers, int scalarSlots, List<Step> steps, List<Integer> inputs, List<Integer> outputs) {

    /** A dense row-major buffer. */
    public record Buffer(DType dtype, Shape shape) {
    }

    /** One step of a plan. */
    public sealed interface Step {
    }

    /** Runs a fused kernel. */
    public record KernelStep(Kernel kernel) implements Step {
    }

    /** One op on whole buffers, outside any fused kernel (the CPU runs it with its interpreter, CUDA as a kernel of its own). */
    public record OpStep(Op op, List<Integer> inputs, int output) implements Step {
    }

    /**
     * A matrix product {@code out = a @ b} by a blocked GEMM: {@code a} and {@code b} are read
     * through views of their buffers ({@code [..., n, k]} and {@code [..., k, m]}; transposes are
     * strides), {@code out} is dense {@code [..., n, m]}. Consumers read {@code out} in later
     * kernels, or in its {@code epilogue} (null if none): an elementwise kernel over {@code [n, m]}
     * that reads {@code out} row by row, which a backend may run on each block of rows as soon as
     * the GEMM has finished it, while the block is still in cache (see {@link Epilogues}).
     */
    public record MatMulStep(int a, Layout aView, int b, Layout bView, int out, Kernel epilogue) implements Step {
        public MatMulStep(int a, Layout aView, int b, Layout bView, int out) {
            this(a, aView, b, bView, out, null);
        }
    }

    /** Reads the single element of a buffer into a scalar slot. */
    public record ReadScalar(int buffer, int slot) implements Step {
    }

    /** Writes a scalar slot into a one-element buffer. */
    public record WriteScalar(int slot, int buffer) implements Step {
    }

    /** How many steps are fused kernels, and how many single ops. */
    public String summary() {
        long kernels = steps.stream().filter(s -> s instanceof KernelStep k && k.kernel().hasLoop()).count();
        long scalarOnly = steps.stream().filter(s -> s instanceof KernelStep k && !k.kernel().hasLoop()).count();
        long ops = steps.stream().filter(s -> s instanceof OpStep).count();
        long gemms = steps.stream().filter(s -> s instanceof MatMulStep).count();
        long epilogues = steps.stream().filter(s -> s instanceof MatMulStep m && m.epilogue() != null).count();
        return kernels + " fused loop kernel(s), " + scalarOnly + " scalar-only kernel(s), "
                + (gemms > 0 ? gemms + " GEMM(s) (" + epilogues + " with a fused epilogue), " : "")
                + ops + " single op(s)";
    }

    /** Every kernel a backend emits: the kernel steps' and the GEMM epilogues', in step order. */
    public List<Kernel> kernels() {
        return steps.stream().map(Plan::kernel).filter(java.util.Objects::nonNull).toList();
    }

    /** The kernel a step emits: a kernel step's, a GEMM's epilogue, or null. */
    public static Kernel kernel(Step s) {
        return s instanceof KernelStep k ? k.kernel() : s instanceof MatMulStep m ? m.epilogue() : null;
    }

    /** Readable form, for {@code Kiln.explain}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(summary()).append('\n');
        for (int i = 0; i < buffers.size(); i++) {
            sb.append("buf").append(i).append(": ").append(buffers.get(i).dtype()).append(buffers.get(i).shape())
                    .append(inputs.contains(i) ? " (input " + inputs.indexOf(i) + ")" : "")
                    .append(outputs.contains(i) ? " (output " + outputs.indexOf(i) + ")" : "").append('\n');
        }
        for (Step s : steps) {
            switch (s) {
                case KernelStep k -> sb.append(k.kernel().describe());
                case OpStep o -> sb.append("interpreted ").append(o.op().name()).append(' ').append(o.op().attributes())
                        .append(" buf").append(o.inputs()).append(" -> buf").append(o.output()).append('\n');
                case MatMulStep m -> {
                    sb.append("gemm buf").append(m.out()).append(buffers.get(m.out()).shape().toString().replace(" ", ""))
                            .append(" = buf").append(m.a()).append(m.aView().shape().toString().replace(" ", ""))
                            .append(" @ buf").append(m.b()).append(m.bView().shape().toString().replace(" ", ""));
                    if (m.epilogue() != null) {
                        sb.append(", epilogue per block of rows: ").append(m.epilogue().describe());
                    } else {
                        sb.append('\n');
                    }
                }
                case ReadScalar r -> sb.append("s").append(r.slot()).append(" = buf").append(r.buffer()).append("[0]\n");
                case WriteScalar w -> sb.append("buf").append(w.buffer()).append("[0] = s").append(w.slot()).append('\n');
            }
        }
        return sb.toString();
    }
}
