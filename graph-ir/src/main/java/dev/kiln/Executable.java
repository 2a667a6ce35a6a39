package dev.kiln;

import java.util.List;

/** A graph compiled by a backend: run it on values bound by input slot. */
public interface Executable {
    /** Runs the graph; {@code inputs} are in input-slot order, the results in output order. */
    List<TensorData> run(List<TensorData> inputs);

    /** Drops references to the last run's inputs, so a cached plan does not keep them alive. */
    default void releaseInputs() {
    }

    /** A readable account of the plan: its kernels and buffers. */
    String describe();
}
