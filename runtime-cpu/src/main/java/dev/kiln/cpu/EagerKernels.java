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

    /**
     * {@code exponent}: a power's small whole exponent (1 to 16) compiled in as a constant, so the
     * loop multiplies (and vectorizes) instead of calling {@code Math.pow} per element; else NaN.
     */
    private record Signature(Op op, List<TensorType> types, List<Shape> broadcast, double exponent) {
    }

    private static final BoundedCache<Signature, CompiledPlan> PLANS = new BoundedCache<>("the eager kernel cache", 512);

    private EagerKernels() {
    }

    static boolean worthCompiling(Op op, List<TensorData> inputs, TensorType result) {
        boolean kind = op instanceof Unary || op instanceof Binary || op instanceof Compare || op instanceof Where
                || op instanceof Cast || op instanceof Reduce;
        if (!kind || !fusable(result.dtype()) || inputs.isEmpty() || inputs.getFirst().shape().numelLong() < MIN_ELEMENTS) {
            return false;
        }
        for (TensorData in : inputs) {
            if (!fusable(in.dtype()) || !(dense(in) || compact(in) != null)) {
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

    /**
     * The shape of the dense values {@code d} broadcasts (1 where it has stride 0 over several
     * elements), where {@code d} is such a broadcast of a whole contiguous array; else null.
     */
    private static Shape compact(TensorData d) {
        Layout l = d.layout();
        int[] dims = l.shape().toArray();
        boolean broadcasts = false;
        for (int i = 0; i < dims.length; i++) {
            if (l.stride(i) == 0 && dims[i] > 1) {
                dims[i] = 1;
                broadcasts = true;
            }
        }
        Shape base = Shape.of(dims);
        if (!broadcasts) {
            return null;
        }
        if (base.numel() == 1) {
            return base; // one element anywhere in its storage
        }
        if (l.offset() != 0 || d.storage().size() != base.numel()) {
            return null;
        }
        int[] want = base.contiguousStrides();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > 1 && l.stride(i) != want[i]) {
                return null;
            }
        }
        return base;
    }

    private static boolean broadcastScalar(Layout l) {
        return Values.isBroadcastScalar(l) && !l.shape().equals(Shape.scalar());
    }

    static TensorData run(Op op, List<TensorData> inputs, TensorType result) {
        List<TensorType> types = new ArrayList<>(inputs.size());
        List<Shape> broadcast = new ArrayList<>(inputs.size());
        List<TensorData> bound = new ArrayList<>(inputs.size());
        double exponent = smallExponent(op, inputs);
        for (int i = 0; i < inputs.size(); i++) {
            TensorData in = inputs.get(i);
            Shape base = dense(in) ? null : compact(in);
            types.add(new TensorType(in.shape(), in.dtype()));
            broadcast.add(base);
            if (i == 1 && !Double.isNaN(exponent)) {
                continue; // compiled in
            }
            bound.add(base != null ? new TensorData(in.storage(), new Layout(base, base.contiguousStrides(), in.layout().offset())) : in);
        }
        CompiledPlan plan = PLANS.get(new Signature(op, types, broadcast, exponent), EagerKernels::compile);
        try (var run = plan.open()) { // its outputs are fresh: the caller's to keep
            for (int i = 0; i < bound.size(); i++) {
                run.input(i, bound.get(i));
            }
            run.run();
            return run.output(0);
        }
    }

    /** {@code x ** k} with a one-element float exponent holding a {@link Binary.Pow#compiledExponent} k: k; else NaN. */
    private static double smallExponent(Op op, List<TensorData> inputs) {
        if (!(op instanceof Binary.Pow) || inputs.size() != 2) {
            return Double.NaN;
        }
        TensorData e = inputs.get(1);
        if (!e.dtype().isFloating() || !(e.shape().numelLong() == 1 || broadcastScalar(e.layout()))) {
            return Double.NaN;
        }
        double v = e.storage().getDouble(e.layout().offset());
        return Binary.Pow.compiledExponent(v) ? v : Double.NaN;
    }

    private static CompiledPlan compile(Signature s) {
        GraphBuilder b = new GraphBuilder();
        Node[] ins = new Node[s.types().size()];
        for (int i = 0; i < ins.length; i++) {
            TensorType t = s.types().get(i);
            boolean constant = i == 1 && !Double.isNaN(s.exponent());
            Shape base = s.broadcast().get(i);
            Node compact = constant ? b.add(new dev.kiln.ir.Leaf.Constant(s.exponent(), t.dtype()))
                    : base != null ? b.input("in" + i, new TensorType(base, t.dtype())) : null;
            if (compact == null) {
                ins[i] = b.input("in" + i, t);
            } else {
                ins[i] = compact.shape().equals(t.shape()) ? compact : b.add(new dev.kiln.ir.Movement.Expand(t.shape()), compact);
            }
        }
        return new CompiledPlan(b.build(b.add(s.op(), ins)), true);
    }
}
