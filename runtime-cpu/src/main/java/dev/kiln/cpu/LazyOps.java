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
    static Object step(Plan plan, Plan.OpStep o, int i, boolean[] isInput, int[] shareWith, boolean[] ownArray,
            boolean[] setPerRun) {
        int out = o.output();
        if (plan.outputs().contains(out)) {
            return o;
        }
        Readers r = Readers.of(plan, out);
        dev.kiln.Shape shape = plan.buffers().get(out).shape();
        if (o.op() instanceof dev.kiln.ir.Movement m && !(m instanceof dev.kiln.ir.Movement.Unslice) && r.onlyOps()
                && stable(plan, o.inputs().get(0), i, isInput, shareWith, ownArray)) {
            setPerRun[out] = true;
            return new ViewStep(m, o.inputs().get(0), out, shape);
        }
        if (IMPLICIT_GATHER && o.op() instanceof dev.kiln.ir.Index.Gather g && r.onlyGemmOperands()
                && Gathered.fits(g, plan.buffers().get(o.inputs().get(0)).dtype(), plan.buffers().get(o.inputs().get(1)).dtype(), shape)
                && stable(plan, o.inputs().get(0), i, isInput, shareWith, ownArray) && stable(plan, o.inputs().get(1), i, isInput, shareWith, ownArray)) {
            setPerRun[out] = true;
            return new ImplicitGather(g, o.inputs().get(0), o.inputs().get(1), out, shape);
        }
        return o;
    }

    /**
     * Whether buffer {@code b}'s value, as of step {@code at}, stays in its array for the rest of the
     * run: an input, an interpreted op's (fresh) result, or a loop's result in an array of its own
     * that no later step writes.
     */
    private static boolean stable(Plan plan, int b, int at, boolean[] isInput, int[] shareWith, boolean[] ownArray) {
        if (isInput[b]) {
            return true;
        }
        if (shareWith[b] >= 0 || !ownArray[b]) {
            return false;
        }
        List<Plan.Step> steps = plan.steps();
        for (int s = at + 1; s < steps.size(); s++) {
            if (Arena.writes(steps.get(s), b)) {
                return false;
            }
        }
        return true;
    }

    /** Who reads a buffer. */
    private record Readers(boolean onlyOps, boolean onlyGemmOperands) {
        static Readers of(Plan plan, int b) {
            boolean ops = true;
            boolean gemms = true;
            boolean any = false;
            for (Plan.Step s : plan.steps()) {
                boolean reads = Arena.reads(s, b);
                if (!reads) {
                    continue;
                }
                any = true;
                ops &= s instanceof Plan.OpStep;
                gemms &= s instanceof Plan.MatMulStep m && (m.a() == b || m.b() == b)
                        && (m.epilogue() == null || m.epilogue().loads().stream().noneMatch(l -> l.buffer() == b));
            }
            return new Readers(any && ops, any && gemms);
        }
    }
}
