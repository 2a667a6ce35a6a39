package dev.kiln.internal;

import dev.kiln.Device;
import dev.kiln.ir.Graph;
import java.util.List;
import java.util.Map;

/**
 * What the graph viewer draws of a compiled function's last call: the traced graph (forward, backward
 * and updates; {@code gradientRanges} are the node ranges backward made), the graph after each pass
 * with the rules that fired in it, and the optimized graph the backend compiled; {@code inputNames}
 * labels the traced graph's input slots (arguments, and captured parameters or state);
 * {@code cudaSource} is the plan as CUDA C where Kiln's CUDA runtime is on the class path, else null.
 */
public record VizData(String title, Graph traced, List<int[]> gradientRanges, List<PassResult> passes, Graph optimized, Device device,
        List<String> inputNames, String cudaSource) {
    /** One pass of the pipeline: its name, the graph after it, and how often each rewrite rule fired in it. */
    public record PassResult(String pass, Graph after, Map<String, Integer> fired) {
    }

    /** Renders the viewer's page; Kiln's CPU runtime provides one (found with {@link java.util.ServiceLoader}). */
    public interface Renderer {
        /** The self-contained HTML page of {@code data}. */
        String html(VizData data);

        /**
         * Serves the live page on 127.0.0.1:{@code port} (0: any free port): the page of {@code data.get()}
         * (null until the function has been called), redrawn when {@code version.get()} changes, and
         * {@code metrics.get()}'s JSON, which the page polls.
         */
        dev.kiln.VizServer serve(String title, java.util.function.Supplier<VizData> data, java.util.function.LongSupplier version,
                java.util.function.Supplier<String> metrics, int port) throws java.io.IOException;
    }
}
