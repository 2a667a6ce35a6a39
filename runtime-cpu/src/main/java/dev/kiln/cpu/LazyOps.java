package dev.kiln.cpu;

import dev.kiln.codegen.kernel.Plan;
import java.util.List;

/**
 * Interpreted ops a compiled plan need not run as ops: a movement whose readers all take views is
 * a view of its input, and a float32 gather read only by GEMMs is packed by them from its source
 * ({@link Gathered}). Each is chosen only where the arrays it reads keep their values until its
 * last reader runs (inputs, interpreted results, and loop results no later step rewrites).
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
     * Step {@code i}, an interpreted op: as a view or an implicit gather where that is safe, else as it is;
     * marks in {@code setPerRun} the buffers such a step sets on each run.
     */
    static Object step(Plan plan, Uses uses, Plan.OpStep o, int i, boolean[] isInput, int[] shareWith, boolean[] ownArray,
            boolean[] setPerRun) {
        int out = o.output();
        if (plan.outputs().contains(out)) {
            return o;
        }
        dev.kiln.Shape shape = plan.buffers().get(out).shape();
        if (o.op() instanceof dev.kiln.ir.Movement m && !(m instanceof dev.kiln.ir.Movement.Unslice) && uses.onlyOps[out]
                && uses.stable(o.inputs().get(0), i, isInput, shareWith, ownArray)) {
            setPerRun[out] = true;
            return new ViewStep(m, o.inputs().get(0), out, shape);
        }
        if (IMPLICIT_GATHER && o.op() instanceof dev.kiln.ir.Index.Gather g && uses.onlyGemmOperands[out]
                && Gathered.fits(g, plan.buffers().get(o.inputs().get(0)).dtype(), plan.buffers().get(o.inputs().get(1)).dtype(), shape)
                && uses.stable(o.inputs().get(0), i, isInput, shareWith, ownArray)
                && uses.stable(o.inputs().get(1), i, isInput, shareWith, ownArray)) {
            setPerRun[out] = true;
            return new ImplicitGather(g, o.inputs().get(0), o.inputs().get(1), out, shape);
        }
        return o;
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
         * Whether buffer {@code b}'s value, as of step {@code at}, stays in its array for the rest of the
         * run: an input, an interpreted op's (fresh) result, or a loop's result in an array of its own
         * that no later step writes.
         */
        boolean stable(int b, int at, boolean[] isInput, int[] shareWith, boolean[] ownArray) {
            return isInput[b] || shareWith[b] < 0 && ownArray[b] && lastWrite[b] <= at;
        }
    }
}
