package dev.kiln.codegen.kernel;

import java.util.List;
import java.util.StringJoiner;

/** Text forms of kernel instructions. */
final class Kernels {
    private Kernels() {
    }

    static String text(Instr i) {
        return switch (i) {
            case Instr.Load l -> "load" + l.load();
            case Instr.Scalar s -> "s" + s.slot();
            case Instr.Const c -> Double.toString(c.value());
            case Instr.Dot d -> "dot(load" + d.loadA() + ", load" + d.loadB() + ", k=" + d.inner() + ")";
            case Instr.Apply a -> {
                StringJoiner j = new StringJoiner(", ", a.op().name() + "(", ")");
                for (int arg : a.args()) {
                    j.add("v" + arg);
                }
                yield j + (a.op().attributes().isEmpty() ? "" : " " + a.op().attributes());
            }
        };
    }

    static String text(List<Instr> instrs) {
        StringJoiner j = new StringJoiner("; ");
        for (int i = 0; i < instrs.size(); i++) {
            j.add("v" + i + " = " + text(instrs.get(i)));
        }
        return j.toString();
    }
}
