package dev.kiln.ir;

import dev.kiln.spi.TensorData;

/**
 * A process group as the IR and the backends see it ({@code dev.kiln.distributed.ProcessGroup}
 * implements it): collective ops carry one, and a backend runs them through it.
 */
public interface Communicator {
    /** A readable name, for the text form (such as {@code "world(2)"}). */
    String name();

    /** The number of processes. */
    int size();

    /** The all-reduce of {@code in} (this process's values) into a fresh dense tensor of the same type. */
    TensorData allReduce(TensorData in, Collective.Kind kind);
}
