package dev.kiln.cpu;

import dev.kiln.codegen.kernel.Plan;
import java.util.List;

/**
 * Interpreted ops a compiled plan need not run as ops: a movement whose readers all take views is
 * a view of its input, and a float32 gather read only by GEMMs is packed by them from its source
 * ({@link Gathered}). Each is chosen only where the arrays it reads keep their values until its
 * last reader runs (inputs, interpreted results, and loop results no later step rewrites; the
 * working-buffer arena keeps such arrays for the lazy step's readers too).
 */
final class LazyOps {
    private LazyOps() {
    }

    /**
     * A movement of an int64 or other unfused value whose readers are all single ops: a view of
     * its input, not a copy (the expanded index of a convolution's windows was 85 MB a step).
     */
    record ViewStep(dev.kiln.ir.Movement op, int input, int output, dev.kiln.Shape shape) {
    }

    /** A float32 gather read only by GEMMs: they pack straight from its source ({@link Gathered}), it is never written out. */
    record ImplicitGather(dev.kiln.ir.Index.Gather op, int x, int index, int output, dev.kiln.Shape shape) {
    }

    /** {@code -Dkiln.implicitGather=false}: materialize every gather (tests compare the two). */
    static final boolean IMPLICIT_GATHER = !"false".equals(System.getProperty("kiln.implicitGather"));

    /**
     * Per step, the lazy form of an interpreted op where one is safe (a {@link ViewStep} or an {@link ImplicitGather}),
     * else null. Decided before working buffers share arrays: a lazy step's readers read its sources, so
     * {@link Arena#assign} keeps those arrays until the last of them ({@link #aliases}).
     */
    static Object[] decide(Plan plan, Uses uses, boolean[] isInput) {
        List<Plan.Step> steps = plan.steps();
        Object[] lazy = new Object[steps.size()];
        for (int i = 0; i < lazy.length; i++) {
            if (steps.get(i) instanceof Plan.OpStep o && !plan.outputs().contains(o.output())) {
                lazy[i] = lazy(plan, uses, o, i, isInput);
            }
        }
        return lazy;
    }

    private static Object lazy(Plan plan, Uses uses, Plan.OpStep o, int i, boolean[] isInput) {
        int out = o.output();
        dev.kiln.Shape shape = plan.buffers().get(out).shape();
        if (o.op() instanceof dev.kiln.ir.Movement m && !(m instanceof dev.kiln.ir.Movement.Unslice) && uses.onlyOps[out]
                && uses.stable(o.inputs().get(0), i, isInput)) {
            return new ViewStep(m, o.inputs().get(0), out, shape);
        }
        if (IMPLICIT_GATHER && o.op() instanceof dev.kiln.ir.Index.Gather g && uses.onlyGemmOperands[out]
                && Gathered.fits(g, plan.buffers().get(o.inputs().get(0)).dtype(), plan.buffers().get(o.inputs().get(1)).dtype(), shape)
                && uses.stable(o.inputs().get(0), i, isInput) && uses.stable(o.inputs().get(1), i, isInput)) {
            return new ImplicitGather(g, o.inputs().get(0), o.inputs().get(1), out, shape);
        }
        return null;
    }

    /** Per buffer a lazy step makes, the buffers it reads through (a view's input, a gather's source and index); null for others. */
    static int[][] aliases(Plan plan, Object[] lazy) {
        int[][] aliases = new int[plan.buffers().size()][];
        for (Object l : lazy) {
            if (l instanceof ViewStep v) {
                aliases[v.output()] = new int[] {v.input()};
            } else if (l instanceof ImplicitGather g) {
                aliases[g.output()] = new int[] {g.x(), g.index()};
            }
        }
        return aliases;
    }

    /** Per buffer, from one pass over a plan's steps: who reads it, and the last step that writes its array. */
    record Uses(boolean[] onlyOps, boolean[] onlyGemmOperands, int[] lastWrite) {
        static Uses of(Plan plan) {
            int n = plan.buffers().size();
            boolean[] ops = new boolean[n];
            boolean[] gemms = new boolean[n];
            boolean[] read = new boolean[n];
            int[] lastWrite = new int[n];
            java.util.Arrays.fill(ops, true);
            java.util.Arrays.fill(gemms, true);
            java.util.Arrays.fill(lastWrite, -1);
            List<Plan.Step> steps = plan.steps();
            for (int s = 0; s < steps.size(); s++) {
                Plan.Step step = steps.get(s);
                for (int b : Arena.readsOf(step)) {
                    read[b] = true;
                    ops[b] &= step instanceof Plan.OpStep;
                    gemms[b] &= step instanceof Plan.MatMulStep m && (m.a() == b || m.b() == b)
                            && (m.epilogue() == null || m.epilogue().loads().stream().noneMatch(l -> l.buffer() == b));
                }
                for (int b : Arena.writtenBy(step)) {
                    lastWrite[b] = s;
                }
            }
            for (int b = 0; b < n; b++) {
                ops[b] &= read[b];
                gemms[b] &= read[b];
            }
            return new Uses(ops, gemms, lastWrite);
        }

        /**
         * Whether buffer {@code b}'s value, as of step {@code at}, stays in its array for as long as a lazy
         * step's readers read it: an input, or a value no later step of its own rewrites (another buffer
         * shares its array only after those readers, as {@link Arena#assign} is told through {@link #aliases}).
         */
        boolean stable(int b, int at, boolean[] isInput) {
            return isInput[b] || lastWrite[b] <= at;
        }
    }
}
