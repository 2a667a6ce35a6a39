package dev.kiln.codegen.kernel;

import dev.kiln.DType;
import dev.kiln.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * A fused kernel: scalar statements before the loop, one loop over an iteration domain that
 * evaluates an expression list per position (reading buffers through strided loads), any number
 * of reductions over the whole domain (horizontal fusion), stores of per-position values to
 * contiguous buffers, and scalar statements after the loop that may read the reductions. Both
 * the JVM and the CUDA emitter read this.
 */
public record Kernel(String name, List<Statement> prologue, Shape domain, List<Load> loads, List<Instr> body,
        List<Reduction> reductions, List<Accumulate> accumulates, List<Store> stores, List<Statement> epilogue) {

    /** Reads buffer {@code buffer} (of {@code dtype}) at {@code offset + Σ index[d]·strides[d]}; stride 0 broadcasts. */
    public record Load(int buffer, DType dtype, int[] strides, int offset) {
        @Override
        public String toString() {
            return "buf" + buffer + "(" + dtype + ") strides " + Arrays.toString(strides) + " offset " + offset;
        }
    }

    /** Sum or maximum of {@code instr} over the whole domain, into scalar slot {@code slot}. */
    public record Reduction(boolean max, int instr, int slot) {
    }

    /**
     * A reduction over some axes: {@code instr} is added into (or maxed with) the float64 buffer
     * element that load {@code target} points at (stride 0 along the reduced axes). The buffer is
     * filled with 0 (or -inf) before the loop; elements arrive in row-major order, as the
     * interpreter adds them.
     */
    public record Accumulate(int target, boolean max, int instr) {
    }

    /** Stores {@code instr} at every position of the domain, row-major, into buffer {@code buffer}. */
    public record Store(int buffer, DType dtype, int instr) {
    }

    /** {@code slot = instr}, where {@code instrs} is a small expression over scalar slots and constants. */
    public record Statement(int slot, List<Instr> instrs) {
    }

    /** True when the kernel has a loop (a non-empty domain). */
    public boolean hasLoop() {
        return domain != null && domain.numelLong() > 0 && (!body.isEmpty() || !reductions.isEmpty() || !accumulates.isEmpty());
    }

    /** Readable form, for {@code Kiln.explain}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("kernel ").append(name);
        if (domain != null) {
            sb.append(" over ").append(domain);
        }
        sb.append('\n');
        for (Statement s : prologue) {
            sb.append("  before: s").append(s.slot()).append(" = ").append(Kernels.text(s.instrs())).append('\n');
        }
        for (int i = 0; i < loads.size(); i++) {
            sb.append("  load ").append(i).append(": ").append(loads.get(i)).append('\n');
        }
        for (int i = 0; i < body.size(); i++) {
            sb.append("  v").append(i).append(" = ").append(Kernels.text(body.get(i))).append('\n');
        }
        for (Reduction r : reductions) {
            sb.append("  s").append(r.slot()).append(" = ").append(r.max() ? "max" : "sum").append("(v").append(r.instr()).append(")\n");
        }
        for (Accumulate a : accumulates) {
            sb.append("  buf").append(loads.get(a.target()).buffer()).append("[load").append(a.target()).append("] ")
                    .append(a.max() ? "max=" : "+=").append(" v").append(a.instr()).append('\n');
        }
        for (Store s : stores) {
            sb.append("  buf").append(s.buffer()).append("[i] = v").append(s.instr()).append(" (").append(s.dtype()).append(")\n");
        }
        for (Statement s : epilogue) {
            sb.append("  after: s").append(s.slot()).append(" = ").append(Kernels.text(s.instrs())).append('\n');
        }
        return sb.toString();
    }
}
