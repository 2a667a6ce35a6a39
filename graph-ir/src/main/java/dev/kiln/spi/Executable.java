package dev.kiln.spi;

import dev.kiln.spi.TensorData;
import java.util.ArrayList;
import java.util.List;

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

        /** Output {@code i} of the last {@link #run()}, in the run's own buffers. */
        TensorData output(int i);

        /** Drops the inputs and returns the buffers to the pool. */
        @Override
        void close();
    }

    /** Runs once on {@code inputs} (in input-slot order) and returns copies of the outputs. */
    default List<TensorData> run(List<TensorData> inputs) {
        try (Run r = open()) {
            for (int i = 0; i < inputs.size(); i++) {
                r.input(i, inputs.get(i));
            }
            r.run();
            int n = outputCount();
            List<TensorData> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                TensorData o = r.output(i);
                TensorData copy = TensorData.allocate(o.shape(), o.dtype());
                copy.copyFrom(o);
                out.add(copy);
            }
            return out;
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

    /** The plan as CUDA C: its launches and its module's text, where the backend can emit it. */
    default String describeCuda() {
        return "this backend does not emit CUDA C";
    }

    /** The plan's CUDA C module alone, as nvcc or NVRTC compiles it; null where the backend cannot emit it. */
    default String cudaSource() {
        return null;
    }
}
