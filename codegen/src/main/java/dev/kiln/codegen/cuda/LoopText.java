package dev.kiln.codegen.cuda;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.kernel.Instr;
import dev.kiln.codegen.kernel.Kernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The text of one position of a kernel's loop: the instructions some roots need (loads at
 * offsets computed from the position's coordinates {@code c0, c1, ...} or its row-major index),
 * and the parameters the text refers to.
 */
final class LoopText {
    private final ModuleBuilder module;
    private final Kernel k;
    private final Shape domain;
    /** Buffers the kernel reads and writes: index -> written. */
    private final TreeMap<Integer, Boolean> buffers = new TreeMap<>();
    private final TreeSet<Integer> slots = new TreeSet<>();
    boolean scratch;

    LoopText(ModuleBuilder module, Kernel k) {
        this.module = module;
        this.k = k;
        this.domain = k.domain();
    }

    String read(int buffer) {
        buffers.putIfAbsent(buffer, false);
        return "b" + buffer;
    }

    String write(int buffer) {
        buffers.put(buffer, true);
        return "b" + buffer;
    }

    /** Instructions {@code roots} depend on (themselves included). */
    boolean[] needed(List<Integer> roots) {
        boolean[] need = new boolean[k.body().size()];
        roots.forEach(r -> need[r] = true);
        for (int i = need.length - 1; i >= 0; i--) {
            if (need[i] && k.body().get(i) instanceof Instr.Apply a) {
                for (int arg : a.args()) {
                    need[arg] = true;
                }
            }
        }
        return need;
    }

    /** Whether every load the needed instructions read can use the row-major index instead of coordinates. */
    boolean flatSuffices(boolean[] need) {
        for (int i = 0; i < need.length; i++) {
            if (need[i]) {
                switch (k.body().get(i)) {
                    case Instr.Load l -> {
                        if (!rowMajor(k.loads().get(l.load()))) {
                            return false;
                        }
                    }
                    case Instr.Dot d -> {
                        return false;
                    }
                    case Instr.Scalar _, Instr.Const _, Instr.Apply _ -> { }
                }
            }
        }
        return true;
    }

    private boolean rowMajor(Kernel.Load l) {
        return Arrays.equals(l.strides(), domain.contiguousStrides());
    }

    /** Where load {@code l} points at the current position: from the index {@code flat} (if non-null and row-major) or coordinates. */
    String offset(Kernel.Load l, String flat) {
        if (flat != null && rowMajor(l)) {
            return l.offset() == 0 ? flat : flat + " + " + l.offset();
        }
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < l.strides().length; d++) {
            if (l.strides()[d] != 0) {
                sb.append(sb.isEmpty() ? "" : " + ").append("c").append(d).append(l.strides()[d] == 1 ? "" : " * " + l.strides()[d]);
            }
        }
        if (l.offset() != 0 || sb.isEmpty()) {
            sb.append(sb.isEmpty() ? "" : " + ").append(l.offset());
        }
        return sb.toString();
    }

    /**
     * Lines declaring coordinates {@code c<axis>} of {@code axes} (ascending) from the row-major index over them in {@code var};
     * {@code [[maybe_unused]]}, since loads that are row-major read the flat index instead (nvcc warns of an unused one).
     */
    String coordinates(String var, int[] axes, String indent) {
        StringBuilder sb = new StringBuilder();
        if (axes.length == 0) {
            return "";
        }
        String declare = "[[maybe_unused]] const long long c";
        if (axes.length == 1) {
            return sb.append(indent).append(declare).append(axes[0]).append(" = ").append(var).append(";\n").toString();
        }
        String rest = "q" + var;
        sb.append(indent).append("long long ").append(rest).append(" = ").append(var).append(";\n");
        for (int j = axes.length - 1; j > 0; j--) {
            int d = axes[j];
            sb.append(indent).append(declare).append(d).append(" = ").append(rest).append(" % ").append(domain.dim(d))
                    .append(";\n").append(indent).append(rest).append(" /= ").append(domain.dim(d)).append(";\n");
        }
        return sb.append(indent).append(declare).append(axes[0]).append(" = ").append(rest).append(";\n").toString();
    }

    /** The row-major index over the whole domain from coordinates. */
    String flatFromCoordinates() {
        int[] s = domain.contiguousStrides();
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < s.length; d++) {
            sb.append(d == 0 ? "" : " + ").append("c").append(d).append(s[d] == 1 ? "" : " * " + s[d]);
        }
        return sb.toString();
    }

    /** Lines computing the needed instructions as {@code v<i>}. */
    String instructions(boolean[] need, String flat, String indent) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < need.length; i++) {
            if (!need[i]) {
                continue;
            }
            Instr ins = k.body().get(i);
            String v = "v" + i;
            String type = module.real(ins.dtype());
            boolean single = module.single(ins.dtype());
            switch (ins) {
                case Instr.Load l -> {
                    Kernel.Load load = k.loads().get(l.load());
                    String e = "(double) " + read(load.buffer()) + "[" + offset(load, flat) + "]";
                    boolean round = l.dtype() == DType.FLOAT32 && load.dtype() != DType.FLOAT32;
                    if (single) {
                        e = round ? "(float) " + e : read(load.buffer()) + "[" + offset(load, flat) + "]";
                    } else if (round) {
                        e = "kiln_f32(" + e + ")";
                    }
                    sb.append(indent).append("const ").append(type).append(' ').append(v).append(" = ").append(e).append(";\n");
                }
                case Instr.Scalar s -> {
                    slots.add(s.slot());
                    sb.append(indent).append("const ").append(type).append(' ').append(v).append(" = ").append(single ? "(float) s" : "s")
                            .append(s.slot()).append(";\n");
                }
                case Instr.Const c -> sb.append(indent).append("const ").append(type).append(' ').append(v).append(" = ")
                        .append(Expressions.literal(c.value(), c.dtype(), single)).append(";\n");
                case Instr.Dot d -> dot(sb, d, v, flat, indent, single);
                case Instr.Apply a -> {
                    String[] args = Arrays.stream(a.args()).mapToObj(x -> "v" + x).toArray(String[]::new);
                    DType[] in = Arrays.stream(a.args()).mapToObj(x -> k.body().get(x).dtype()).toArray(DType[]::new);
                    sb.append(indent).append("const ").append(type).append(' ').append(v).append(" = ")
                            .append(Expressions.value(a.op(), args, in, a.dtype(), module.precision)).append(";\n");
                }
            }
        }
        return sb.toString();
    }

    /** An inner product summed {@code k} ascending: in double, rounded once where float32 (EXACT), or in float where {@code single}. */
    private void dot(StringBuilder sb, Instr.Dot d, String v, String flat, String indent, boolean single) {
        Kernel.Load a = k.loads().get(d.loadA());
        Kernel.Load b = k.loads().get(d.loadB());
        String ba = read(a.buffer());
        String bb = read(b.buffer());
        String ca = single ? (a.dtype() == DType.FLOAT32 ? "" : "(float) ") : "(double) ";
        String cb = single ? (b.dtype() == DType.FLOAT32 ? "" : "(float) ") : "(double) ";
        sb.append(indent).append(single ? "float " : "double ").append(v).append(single ? " = 0.0f;\n" : " = 0.0;\n");
        sb.append(indent).append("{\n");
        sb.append(indent).append("    const long long pa = ").append(offset(a, flat)).append(";\n");
        sb.append(indent).append("    const long long pb = ").append(offset(b, flat)).append(";\n");
        sb.append(indent).append("    for (int q = 0; q < ").append(d.inner()).append("; q++) {\n");
        sb.append(indent).append("        ").append(v).append(" += ").append(ca).append(ba).append("[pa + q * ")
                .append(d.strideA()).append("LL] * ").append(cb).append(bb).append("[pb + q * ").append(d.strideB()).append("LL];\n");
        sb.append(indent).append("    }\n");
        sb.append(indent).append("}\n");
        if (d.dtype() == DType.FLOAT32 && !single) {
            sb.append(indent).append(v).append(" = kiln_f32(").append(v).append(");\n");
        }
    }

    /** Lines reading the scalar slots the instructions use, for the top of the kernel. */
    String scalars(String indent) {
        StringBuilder sb = new StringBuilder();
        for (int s : slots) {
            sb.append(indent).append("const double s").append(s).append(" = slots[").append(s).append("];\n");
        }
        return sb.toString();
    }

    /** The parameters: buffers in index order (const where only read), then slots and scratch where used. */
    List<CudaModule.Param> params(List<CudaPlan.Arg> args) {
        List<CudaModule.Param> out = new ArrayList<>();
        buffers.forEach((b, written) -> {
            out.add(new CudaModule.Param("b" + b, (written ? "" : "const ") + Expressions.ctype(module.dtype(b)) + "*"));
            args.add(new CudaPlan.Arg.Buffer(b));
        });
        if (!slots.isEmpty()) {
            out.add(new CudaModule.Param("slots", "const double*"));
            args.add(new CudaPlan.Arg.Slots());
        }
        if (scratch) {
            out.add(new CudaModule.Param("scratch", "double*"));
            args.add(new CudaPlan.Arg.Scratch());
        }
        return out;
    }
}
