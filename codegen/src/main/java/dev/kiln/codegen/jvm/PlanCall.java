package dev.kiln.codegen.jvm;

import dev.kiln.spi.TensorData;

/**
 * A whole call of one plan as bytecode ({@link CallEmitter}): checks its in-place targets, runs
 * the steps in order — kernels called directly, one-element parameters read from their own arrays
 * — and writes the in-place outputs into their targets after the last step. A backend's run
 * binds the inputs, supplies its buffers, and runs the steps the call leaves to it.
 */
public interface PlanCall {
    /**
     * Runs the plan on the inputs bound in {@code buffers} and {@code views} (each dense from
     * element 0), and writes the outputs it was emitted for (a range from its first target on)
     * into {@code targets}.
     *
     * @return false, having run and written nothing, when a target it copies into is not dense (the
     *     backend then runs and copies as usual)
     */
    boolean call(Object[] buffers, TensorData[] views, double[] scalars, TensorData[] targets, Steps steps);

    /** What a call leaves to the backend's run. */
    interface Steps {
        /** Runs step {@code i} of the plan as the backend's own loop does. */
        void step(int i);

        /** After the last step: makes the outputs readable. */
        void finish();
    }

    /** Whether {@code d} lies as a plan's buffer does: from element 0 of its storage, row-major, nothing beyond. */
    static boolean dense(TensorData d, int numel) {
        return d.layout().offset() == 0 && d.layout().isContiguous() && d.storage().size() == numel;
    }
}
