package dev.kiln.cpu;

import dev.kiln.codegen.jvm.KernelFunction;
import dev.kiln.codegen.kernel.Kernel;

/**
 * Runs a large kernel in chunks of rows of its domain's first dimension, shared by Kiln's threads.
 * The chunks depend only on the domain (about {@link #CHUNK_POSITIONS} positions each), each
 * chunk's reductions go to its own partials, and the partials are combined in chunk order — so
 * the result has the same bits whether one thread or several ran the chunks.
 */
final class ChunkedKernel {
    static final long CHUNK_POSITIONS = 1 << 14;

    private final KernelFunction fn;
    private final int rows;
    private final int chunkRows;
    private final int chunks;
    private final boolean[] max;
    private final int[] slots;

    ChunkedKernel(KernelFunction fn, Kernel kernel) {
        this.fn = fn;
        this.rows = fn.rows();
        long rowSize = kernel.domain().numelLong() / rows;
        this.chunkRows = (int) Math.max(1, CHUNK_POSITIONS / rowSize);
        this.chunks = (rows + chunkRows - 1) / chunkRows;
        int r = kernel.reductions().size();
        this.max = new boolean[r];
        this.slots = new int[r];
        for (int i = 0; i < r; i++) {
            max[i] = kernel.reductions().get(i).max();
            slots[i] = kernel.reductions().get(i).slot();
        }
    }

    /** The size of the partials array a run of this kernel needs (each run has its own). */
    int partialsSize() {
        return chunks * slots.length;
    }

    KernelFunction function() {
        return fn;
    }

    void run(Object[] buffers, double[] scalars, double[] partials) {
        fn.before(buffers, scalars);
        int r = slots.length;
        Threads.forEach(chunks, true, c -> fn.range(buffers, scalars, c * chunkRows, Math.min(rows, (c + 1) * chunkRows),
                partials, c * r));
        for (int i = 0; i < r; i++) {
            double s = max[i] ? Double.NEGATIVE_INFINITY : 0.0;
            for (int c = 0; c < chunks; c++) {
                double v = partials[c * r + i];
                s = max[i] ? Math.max(s, v) : s + v;
            }
            scalars[slots[i]] = s;
        }
        fn.after(buffers, scalars);
    }
}
