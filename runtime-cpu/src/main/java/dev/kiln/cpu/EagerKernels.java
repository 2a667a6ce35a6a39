package dev.kiln.cpu;

import dev.kiln.DType;
import dev.kiln.spi.Layout;
import dev.kiln.Shape;
import dev.kiln.spi.TensorData;
import dev.kiln.cache.BoundedCache;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Op;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;
import java.util.ArrayList;
import java.util.List;

/**
 * Eager ops as compiled kernels, cached by op signature (the op, its input types, and whether
 * each input is dense or a broadcast scalar). Small ops, integer ops and inputs with other
 * layouts stay on the interpreter. One cache for all threads (a plan runs on several at once,
 * each run in buffers of its own), keyed exactly, at most 512 plans.
 */
final class EagerKernels {
    /** Below this many elements the interpreter is as fast as a kernel call. */
    static final int MIN_ELEMENTS = 64;

    private record Signature(Op op, List<TensorType> types, List<Boolean> broadcast) {
    }

    private static final BoundedCache<Signature, CompiledPlan> PLANS = new BoundedCache<>("the eager kernel cache", 512);

    private EagerKernels() {
    }

    static boolean worthCompiling(Op op, List<TensorData> inputs, TensorType result) {
        boolean kind = op instanceof Unary || op instanceof Binary || op instanceof Compare || op instanceof Where
                || op instanceof Cast || op instanceof Reduce r && result.shape().numelLong() == 1;
        if (!kind || !fusable(result.dtype()) || inputs.isEmpty() || inputs.getFirst().shape().numelLong() < MIN_ELEMENTS) {
            return false;
        }
        for (TensorData in : inputs) {
            if (!fusable(in.dtype()) || !(dense(in) || broadcastScalar(in.layout()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean fusable(DType t) {
        return t.isFloating() || t == DType.BOOL;
    }

    private static boolean dense(TensorData d) {
        return d.layout().offset() == 0 && d.layout().isContiguous() && d.storage().size() == d.shape().numel();
    }

    private static boolean broadcastScalar(Layout l) {
        return Values.isBroadcastScalar(l) && !l.shape().equals(Shape.scalar());
    }

    static TensorData run(Op op, List<TensorData> inputs, TensorType result) {
        List<TensorType> types = new ArrayList<>(inputs.size());
        List<Boolean> broadcast = new ArrayList<>(inputs.size());
        List<TensorData> bound = new ArrayList<>(inputs.size());
        for (TensorData in : inputs) {
            boolean b = !dense(in);
            types.add(new TensorType(in.shape(), in.dtype()));
            broadcast.add(b);
            bound.add(b ? new TensorData(in.storage(), new Layout(Shape.scalar(), new int[0], in.layout().offset())) : in);
        }
        CompiledPlan plan = PLANS.get(new Signature(op, types, broadcast), EagerKernels::compile);
        try (var run = plan.open()) { // its outputs are fresh: the caller's to keep
            for (int i = 0; i < bound.size(); i++) {
                run.input(i, bound.get(i));
            }
            run.run();
            return run.output(0);
        }
    }

    private static CompiledPlan compile(Signature s) {
        GraphBuilder b = new GraphBuilder();
        Node[] ins = new Node[s.types().size()];
        for (int i = 0; i < ins.length; i++) {
            TensorType t = s.types().get(i);
            ins[i] = s.broadcast().get(i)
                    ? b.add(new dev.kiln.ir.Movement.Expand(t.shape()), b.input("in" + i, new TensorType(Shape.scalar(), t.dtype())))
                    : b.input("in" + i, t);
        }
        return new CompiledPlan(b.build(b.add(s.op(), ins)), true);
    }
}
