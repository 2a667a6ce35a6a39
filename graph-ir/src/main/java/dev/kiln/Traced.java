package dev.kiln;

import dev.kiln.internal.Tracing;
import dev.kiln.ir.Graph;
import dev.kiln.spi.TensorData;
import java.util.List;

/**
 * What one trace of a compiled function found: the graph and its structure key, how many outputs
 * the function returned, what feeds each input slot, which concrete tensors it writes (the graph
 * outputs after the returned ones, in order), how it leaves
 * gradient fields, the generators it draws from, and the guards a static plan is valid under.
 */
final class Traced {
    final Graph graph;
    final Graph.Structure key;
    /** Where the plan runs: the device of the tensors the trace read. */
    final Device device;
    /** How many outputs the function returned (graph outputs 0 to results - 1; the writes follow). */
    final int results;
    final List<Binding> bindings;
    final List<Tensor> writeTargets;
    final List<GradEffect> gradEffects;
    final List<Trace.GeneratorUse> generators;
    final List<int[]> gradientRanges;
    /** Static-mode guards: tensors whose grad was read, and whether it was null when traced. */
    private final Tensor[] gradRead;
    private final boolean[] gradWasNull;
    /** Static-mode guards: every tensor the trace read, whether it required grad then, and its dtype, shape and device. */
    private final Tensor[] captured;
    private final boolean[] requiredGrad;
    private final DType[] capturedDtype;
    private final Shape[] capturedShape;
    private final Device[] capturedDevice;
    /**
     * Per captured tensor, the storage and layout its dtype, shape and device were last found right
     * with (a record of immutable parts): while the tensor keeps that data, only requiresGrad is
     * compared. Races store equal answers.
     */
    private final TensorData[] checkedData;
    /** Guards of what else the trace read (each module's train/eval mode), checked in static and dynamic mode alike. */
    private final Tracing.Guard[] guards;
    /** The optimized graph, once compiled from this trace (for explain). */
    volatile Graph optimized;

    Traced(Graph graph, Graph.Structure key, Device device, int results, List<Binding> bindings, List<Tensor> writeTargets, List<GradEffect> gradEffects,
            Tensor[] gradRead, boolean[] gradWasNull, List<Trace.GeneratorUse> generators, List<int[]> gradientRanges,
            boolean guardCaptured, List<Tracing.Guard> guards) {
        this.graph = graph;
        this.key = key;
        this.device = device;
        this.results = results;
        this.bindings = bindings;
        this.writeTargets = writeTargets;
        this.gradEffects = gradEffects;
        this.gradRead = gradRead;
        this.gradWasNull = gradWasNull;
        this.generators = generators;
        this.gradientRanges = gradientRanges;
        this.guards = guards.toArray(new Tracing.Guard[0]);
        int n = 0;
        for (Binding b : bindings) {
            n += guardCaptured && b instanceof Binding.Captured ? 1 : 0;
        }
        this.captured = new Tensor[n];
        this.requiredGrad = new boolean[n];
        this.capturedDtype = new DType[n];
        this.capturedShape = new Shape[n];
        this.capturedDevice = new Device[n];
        this.checkedData = new TensorData[n];
        int i = 0;
        for (Binding b : bindings) {
            if (guardCaptured && b instanceof Binding.Captured c) {
                captured[i] = c.tensor();
                capturedDtype[i] = c.tensor().dtype();
                capturedShape[i] = c.tensor().shape();
                capturedDevice[i] = c.tensor().device();
                requiredGrad[i++] = c.tensor().requiresGrad();
            }
        }
    }

    /** Whether a call writes no concrete tensor, gradient or generator: such calls may run in parallel. */
    boolean pure() {
        return writeTargets.isEmpty() && gradEffects.isEmpty() && generators.isEmpty();
    }

    /** Whether the trace read no gradient field (so no guard depends on one). */
    boolean readsNoGradient() {
        return gradRead.length == 0;
    }

    /**
     * Whether a static plan of this trace still does what the function would: every gradient it
     * read is null or not as when traced, every tensor it read requires grad and has the dtype,
     * shape and device it had when traced, every module whose mode it read is in that mode.
     */
    boolean guardsHold() {
        for (Tracing.Guard g : guards) {
            if (!g.holds()) {
                return false;
            }
        }
        for (int i = 0; i < gradRead.length; i++) {
            if ((gradRead[i].grad() == null) != gradWasNull[i]) {
                return false;
            }
        }
        for (int i = 0; i < captured.length; i++) {
            Tensor t = captured[i];
            if (t.requiresGrad() != requiredGrad[i]) {
                return false;
            }
            // a tensor's dtype, shape and device change only with its data (set_, Module.to)
            TensorData d = t.data();
            if (d != checkedData[i]) {
                if (d.dtype() != capturedDtype[i] || d.shape() != capturedShape[i] && !d.shape().equals(capturedShape[i])
                        || d.device() != capturedDevice[i] && !d.device().equals(capturedDevice[i])) {
                    return false;
                }
                checkedData[i] = d;
            }
        }
        return true;
    }

    /** Why another trace's guards failed now, for {@code explainLastMiss}. */
    String describeGuards() {
        int nulls = 0;
        for (boolean b : gradWasNull) {
            nulls += b ? 1 : 0;
        }
        StringBuilder modes = new StringBuilder();
        for (Tracing.Guard g : guards) {
            modes.append(modes.isEmpty() ? ", " : "; ").append(g.describe());
        }
        return "a plan was traced with " + nulls + " of " + gradWasNull.length + " gradients it reads null, "
                + captured.length + " tensors with their requiresGrad, dtype, shape and device as then" + modes
                + "; one of those has changed";
    }
}
