package dev.kiln.spi;


/**
 * A graph compiled by a backend. Safe to run from several threads at once: each run takes a set
 * of working buffers of its own from the executable's pool ({@link #open()}), so runs in parallel
 * give the same bits as runs one after another.
 */
public interface Executable {
    /**
     * Working buffers for one run, from the pool (or new ones when every pooled set is in use).
     * Bind the inputs, {@link Run#run() run}, read the outputs, then close it to give the buffers
     * back; outputs are valid until then.
     */
    Run open();

    /** One run's working state: see {@link #open()}. */
    interface Run extends AutoCloseable {
        /** Binds the value of input slot {@code slot} (held only until the run is closed). */
        void input(int slot, TensorData value);

        /** Runs the graph on the bound inputs. */
        void run();

        /**
         * Runs on the bound inputs; then, where the backend can, writes outputs {@code first},
         * {@code first + 1}, ... into {@code targets} (same shapes and dtypes, on this device) after
         * the last step, so a failing run writes nothing. A backend may generate this for its plan
         * (the CPU backend does: its steps, and one-element outputs written where the targets lie, as
         * bytecode); by default it runs, and the caller copies.
         *
         * @param targets where outputs {@code first} on go
         * @param first the first output written into a target
         * @return whether the targets were written; if not, the caller copies the outputs into them
         */
        default boolean call(TensorData[] targets, int first) {
            run();
            return false;
        }

        /** Output {@code i} of the last {@link #run()}, in the run's own buffers. */
        TensorData output(int i);

        /** Drops the inputs and returns the buffers to the pool. */
        @Override
        void close();

        /**
         * Ends the run without giving the buffers back, for a caller that runs this executable one
         * call at a time and keeps the set for its next run instead of taking one from the pool (a
         * compiled function whose plan writes, under its lock): the inputs of the slots
         * {@code dropped} marks (a call's arguments) are dropped, the others stay bound, so that
         * binding the same value again costs nothing. Outputs stay valid until the next run.
         *
         * @param dropped per input slot, whether to drop its value
         * @return false where the backend's runs cannot be kept: nothing was done, close it instead
         */
        default boolean keep(boolean[] dropped) {
            return false;
        }
    }

    /** How many outputs a run has. */
    int outputCount();

    /** Runs that found every pooled buffer set in use and allocated one of their own, so far. */
    default long poolOverflows() {
        return 0;
    }

    /** A readable account of the plan: its kernels and buffers. */
    String describe();

    /**
     * The plan's generated source where the backend emits text that another compiler takes (a
     * CUDA backend's module, as nvcc or NVRTC compiles it); null where it does not.
     */
    default String source() {
        return null;
    }
}
