package dev.kiln.codegen.jvm;

/**
 * A kernel compiled to bytecode: reads and writes the plan's buffers (typed arrays) and scalar
 * slots. A small kernel is one method, {@link #run}. A large one ({@link JvmEmitter#chunked}) is
 * cut along its domain's first dimension into chunks that a backend may share among threads:
 * {@link #before} (statements before the loop), {@link #range} for each chunk (its reductions
 * into {@code partials}), the backend combining the partials in chunk order into the reductions'
 * slots, then {@link #after} — the same arithmetic in the same order whatever runs the chunks.
 */
public interface KernelFunction {
    /** The whole kernel, on the calling thread (small kernels only). */
    void run(Object[] buffers, double[] scalars);

    /** A chunked kernel's size along the first dimension of its domain; 0 for one that is not chunked. */
    default int rows() {
        return 0;
    }

    default void before(Object[] buffers, double[] scalars) {
        throw new UnsupportedOperationException("not a chunked kernel");
    }

    /** Positions {@code from <= index[0] < to}; reduction {@code r} of the chunk goes to {@code partials[at + r]}. */
    default void range(Object[] buffers, double[] scalars, int from, int to, double[] partials, int at) {
        throw new UnsupportedOperationException("not a chunked kernel");
    }

    default void after(Object[] buffers, double[] scalars) {
        throw new UnsupportedOperationException("not a chunked kernel");
    }
}
