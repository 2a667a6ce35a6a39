package dev.kiln.io.tensorboard;

/**
 * A histogram as TensorBoard's {@code HistogramProto} holds it: each bucket's right edge and count, and
 * the values' minimum, maximum, count, sum and sum of squares.
 *
 * @param min the least value
 * @param max the greatest value
 * @param count the number of values
 * @param sum the values' sum
 * @param sumSquares the sum of the values' squares
 * @param limits each bucket's right edge, ascending
 * @param counts each bucket's count
 */
public record Histogram(double min, double max, double count, double sum, double sumSquares, double[] limits, double[] counts) {
    /** {@code values} in {@code buckets} equal-width buckets from their least to their greatest (one bucket if all are equal). */
    static Histogram of(double[] values, int buckets) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double squares = 0;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            squares += v * v;
        }
        int n = max > min ? buckets : 1;
        double[] limits = new double[n];
        double[] counts = new double[n];
        double width = (max - min) / n;
        for (int i = 0; i < n; i++) {
            limits[i] = i == n - 1 ? max : min + (i + 1) * width;
        }
        for (double v : values) {
            int b = n == 1 ? 0 : (int) Math.min(n - 1, Math.floor((v - min) / width)); // the greatest value falls in the last bucket
            counts[b]++;
        }
        return new Histogram(min, max, values.length, sum, squares, limits, counts);
    }
}
