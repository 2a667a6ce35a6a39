package dev.kiln;

import java.util.Locale;

/**
 * What the live viewer ({@link Kiln#serveViz}) plots of a compiled function's calls: each call's wall
 * time and its loss (the first result, where that is one floating-point number), the last
 * {@value #KEPT} calls kept. Recorded only once a viewer serves the function.
 */
final class CallLog {
    static final int KEPT = 4096;
    private final long[] nanos = new long[KEPT];
    private final double[] losses = new double[KEPT];
    private long calls;

    synchronized void record(long elapsedNanos, Tensor first) {
        int i = (int) (calls % KEPT);
        nanos[i] = elapsedNanos;
        losses[i] = first != null && first.numel() == 1 && first.dtype().isFloating() ? first.item() : Double.NaN;
        calls++;
    }

    /**
     * The metrics as JSON: {@code calls}; {@code points}, at most {@code maxPoints} of the kept calls (evenly
     * thinned), each {@code [call, loss or null, milliseconds]}; and the plan caches' {@code stats}.
     */
    synchronized String json(CacheStats stats, int maxPoints) {
        long first = Math.max(0, calls - KEPT);
        long kept = calls - first;
        long stride = Math.max(1, (kept + maxPoints - 1) / maxPoints);
        StringBuilder sb = new StringBuilder("{\"calls\":").append(calls).append(",\"points\":[");
        for (long c = first; c < calls; c += stride) {
            int i = (int) (c % KEPT);
            sb.append(c == first ? "" : ",").append('[').append(c + 1).append(',')
                    .append(Double.isFinite(losses[i]) ? Double.toString(losses[i]) : "null").append(',')
                    .append(String.format(Locale.ROOT, "%.4f", nanos[i] / 1e6)).append(']');
        }
        return sb.append("],\"stats\":{\"hits\":").append(stats.hits()).append(",\"misses\":").append(stats.misses())
                .append(",\"compiles\":").append(stats.compiles()).append(",\"evictions\":").append(stats.evictions())
                .append(",\"poolOverflows\":").append(stats.poolOverflows()).append("}}").toString();
    }
}
