package dev.kiln.cuda.emu;

import dev.kiln.DType;
import dev.kiln.spi.TensorData;
import java.util.List;

/** Comparisons of emulated results with the interpreter's, with counts of bit-equal elements. */
public final class Compare {
    /** Elements compared, how many had identical bits, and the largest difference in units of the dtype's last place. */
    public long elements;
    public long identical;
    public double maxUlps;
    /** The largest difference relative to max(1, |interpreter's value|), the scale {@link #check} bounds. */
    public double maxRelative;

    /** Counts bit-identical elements and the largest difference in ulps, without a bound (floating outputs only). */
    public void measure(List<TensorData> expected, List<TensorData> actual) {
        check(expected, actual, Double.POSITIVE_INFINITY, "measured");
    }

    /** Checks {@code actual} against {@code expected}: within {@code rtol} (relative, at least absolute 1 scale), NaN where NaN, the same infinity where infinite. */
    public void check(List<TensorData> expected, List<TensorData> actual, double rtol, Object what) {
        if (expected.size() != actual.size()) {
            throw new AssertionError(what + ": " + expected.size() + " outputs expected, " + actual.size() + " came");
        }
        for (int o = 0; o < expected.size(); o++) {
            TensorData e = expected.get(o);
            TensorData a = actual.get(o);
            if (!e.shape().equals(a.shape()) || e.dtype() != a.dtype()) {
                throw new AssertionError(what + " output " + o + ": " + e.dtype() + e.shape() + " expected, " + a.dtype() + a.shape() + " came");
            }
            TensorData dense = TensorData.allocate(e.shape(), e.dtype());
            dense.copyFrom(e);
            for (int i = 0; i < e.shape().numel(); i++) {
                elements++;
                if (e.dtype().isIntegral()) {
                    long u = dense.storage().getLong(i);
                    long v = a.storage().getLong(i);
                    if (u != v) {
                        throw new AssertionError(what + " output " + o + " element " + i + ": interpreter " + u + ", CUDA " + v);
                    }
                    identical++;
                    continue;
                }
                double u = dense.storage().getDouble(i);
                double v = a.storage().getDouble(i);
                if (Double.doubleToLongBits(u) == Double.doubleToLongBits(v) || u == v) {
                    identical++;
                    continue;
                }
                if (Double.isNaN(u) && Double.isNaN(v)) {
                    identical++;
                    continue;
                }
                // an infinity must meet the same infinity (the relative bound would let any number through)
                boolean differ = Double.isInfinite(u) || Double.isInfinite(v) || !(Math.abs(u - v) <= rtol * Math.max(1, Math.abs(u)));
                if (differ && rtol != Double.POSITIVE_INFINITY) {
                    throw new AssertionError(what + " output " + o + " element " + i + ": interpreter " + u + ", CUDA " + v);
                }
                double ulp = e.dtype() == DType.FLOAT32 ? Math.ulp((float) u) : Math.ulp(u);
                maxUlps = Math.max(maxUlps, Math.abs(u - v) / ulp);
                maxRelative = Math.max(maxRelative, Math.abs(u - v) / Math.max(1, Math.abs(u)));
            }
        }
    }

    @Override
    public String toString() {
        return elements + " element(s), " + identical + " bit-identical, the rest within " + maxUlps + " ulp (" + String.format("%.2g", maxRelative)
                + " relative to max(1, |x|))";
    }
}
