package dev.kiln;

import java.net.URI;

/**
 * The graph viewer served live ({@link Kiln#serveViz}): a page on 127.0.0.1 that shows a compiled
 * function's graphs and kernels, as {@link Kiln#viz} writes them, above a live panel of its calls —
 * the loss curve, each step's time and the plan caches' statistics — refreshed every second, and
 * redrawn when the function is traced anew. Closing it stops the server.
 */
public interface VizServer extends AutoCloseable {
    /**
     * The page's address.
     *
     * @return such as {@code http://127.0.0.1:8008/}
     */
    URI uri();

    /** Stops serving; calls already logged are dropped with the server. */
    @Override
    void close();
}
