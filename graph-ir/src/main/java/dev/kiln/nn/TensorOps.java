package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import java.util.List;

/**
 * PyTorch's {@code torch.tril}, {@code triu}, {@code arange} over reals, {@code sort}, {@code argsort},
 * {@code topk}, {@code multinomial} and {@code repeat_interleave}, as composites of Kiln's primitives
 * (compare, sum, gather, matmul, where, draws): each traces, compiles and differentiates through its parts.
 */
public final class TensorOps {
    private TensorOps() {
    }

    /**
     * Values and their int64 positions along the dimension, as {@code torch.return_types.sort} / {@code topk}.
     *
     * @param values the selected elements, of the input's dtype (differentiable: a gather of the input)
     * @param indices int64 positions of {@code values} along the sorted dimension, of the same shape
     */
    public record Sorted(Tensor values, Tensor indices) {
    }

    /**
     * As {@code torch.tril(x, diagonal)}: the elements on and below the {@code diagonal}-th diagonal of the last
     * two dimensions, zeros above; leading dimensions are a batch.
     *
     * @param x a tensor of at least 2 dimensions
     * @param diagonal 0 for the main diagonal, positive above it, negative below it
     * @return a tensor of {@code x}'s shape and dtype
     * @throws KilnException if {@code x} has fewer than 2 dimensions
     */
    public static Tensor tril(Tensor x, int diagonal) {
        return Tensor.where(triangle("tril", x, diagonal, true), x, Tensor.scalar(0, x.dtype()));
    }

    /**
     * As {@code torch.triu(x, diagonal)}: the elements on and above the {@code diagonal}-th diagonal of the last
     * two dimensions, zeros below; leading dimensions are a batch.
     *
     * @param x a tensor of at least 2 dimensions
     * @param diagonal 0 for the main diagonal, positive above it, negative below it
     * @return a tensor of {@code x}'s shape and dtype
     * @throws KilnException if {@code x} has fewer than 2 dimensions
     */
    public static Tensor triu(Tensor x, int diagonal) {
        return Tensor.where(triangle("triu", x, diagonal, false), x, Tensor.scalar(0, x.dtype()));
    }

    /** The [rows, cols] bool mask of {@code j − i ≤ diagonal} (lower) or {@code j − i ≥ diagonal} (upper), made on the host. */
    static Tensor triangle(String fn, Tensor x, int diagonal, boolean lower) {
        if (x.dim() < 2) {
            throw new KilnException(fn + ": input tensor must have at least 2 dimensions, got shape " + x.shape());
        }
        return triangle(x.size(-2), x.size(-1), diagonal, lower);
    }

    static Tensor triangle(int rows, int cols, int diagonal, boolean lower) {
        double[] m = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i * cols + j] = (lower ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
            }
        }
        return Tensor.fromArray(m, Shape.of(rows, cols), DType.BOOL);
    }

    /**
     * As {@code torch.arange(start, end, step)} over reals: the ⌈(end − start)/step⌉ values start + i·step, of the
     * default dtype.
     *
     * @param start the first value
     * @param end the bound, not included
     * @param step the nonzero difference between consecutive values; its sign must lead from start towards end
     * @return a 1-D tensor of the default dtype (empty when start equals end)
     * @throws KilnException if {@code step} is 0, a bound or the step is not finite, or the step points away from {@code end}
     */
    public static Tensor arange(double start, double end, double step) {
        return arange(start, end, step, Kiln.defaultDtype());
    }

    /**
     * As {@link #arange(double, double, double)}, of {@code dtype}.
     *
     * @param start the first value
     * @param end the bound, not included
     * @param step the nonzero difference between consecutive values; its sign must lead from start towards end
     * @param dtype the result's dtype (the values are converted to it)
     * @return a 1-D tensor of {@code dtype}
     * @throws KilnException if {@code step} is 0, a bound or the step is not finite, or the step points away from {@code end}
     */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0 || !Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
            throw new KilnException("arange: step must be nonzero and the bounds finite, got start=" + start + ", end=" + end
                    + ", step=" + step);
        }
        if ((end - start) / step < 0) {
            throw new KilnException("arange: upper bound and larger bound inconsistent with step sign (start=" + start
                    + ", end=" + end + ", step=" + step + ")");
        }
        int n = (int) Math.ceil((end - start) / step);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i * step;
        }
        return Tensor.fromArray(v, Shape.of(n), dtype);
    }

    /**
     * As {@code torch.sort(x, dim, descending, stable=True)}: values and int64 indices; equal values keep their
     * order, NaN sorts as the largest. Takes n² comparisons per row, as {@link #argsort(Tensor, int, boolean)}.
     *
     * @param x a tensor of at least 1 dimension
     * @param dim the dimension to sort along (negative counts from the end)
     * @param descending largest first when true, smallest first when false
     * @return the sorted values and their indices, each of {@code x}'s shape
     * @throws KilnException if {@code x} is 0-d or {@code dim} is out of range
     */
    public static Sorted sort(Tensor x, int dim, boolean descending) {
        Tensor indices = argsort(x, dim, descending);
        return new Sorted(x.gather(axis("sort", x, dim), indices), indices);
    }

    /**
     * As {@code torch.sort(x)}: {@link #sort(Tensor, int, boolean)} ascending along the last dimension.
     *
     * @param x a tensor of at least 1 dimension
     * @return the sorted values and their indices, each of {@code x}'s shape
     * @throws KilnException if {@code x} is 0-d
     */
    public static Sorted sort(Tensor x) {
        return sort(x, -1, false);
    }

    /**
     * {@code torch.argsort(x, dim, descending, stable=True)}. Each element's rank counts the elements that
     * come before it (smaller, or equal and earlier); the rank's inverse permutation is the answer. This takes
     * n² comparisons and memory per sorted row: meant for rows of up to a few thousand (a vocabulary).
     * Equal values keep their order and NaN sorts as the largest, as in {@link #sort(Tensor, int, boolean)}.
     *
     * @param x a tensor of at least 1 dimension
     * @param dim the dimension to sort along (negative counts from the end)
     * @param descending largest first when true, smallest first when false
     * @return int64 indices of {@code x}'s shape: the positions along {@code dim} in sorted order (not differentiable)
     * @throws KilnException if {@code x} is 0-d or {@code dim} is out of range
     */
    public static Tensor argsort(Tensor x, int dim, boolean descending) {
        int d = axis("argsort", x, dim);
        int last = x.dim() - 1;
        Tensor xl = x.transpose(d, last);
        int n = xl.size(-1);
        try (var noGrad = Kiln.noGrad()) {
            Tensor a = xl.unsqueeze(-1);
            Tensor b = xl.unsqueeze(-2);
            Tensor aNan = a.ne(a);
            Tensor bNan = b.ne(b);
            Tensor before = descending ? b.gt(a).logicalOr(bNan.logicalAnd(aNan.logicalNot()))
                    : b.lt(a).logicalOr(aNan.logicalAnd(bNan.logicalNot()));
            Tensor equal = b.eq(a).logicalOr(aNan.logicalAnd(bNan));
            Tensor earlier = triangle(n, n, -1, true);
            Tensor rank = before.logicalOr(equal.logicalAnd(earlier)).to(DType.INT64).sum(-1);
            Tensor positions = Tensor.arange(n);
            Tensor order = rank.unsqueeze(-2).eq(positions.unsqueeze(-1)).to(DType.INT64).mul(positions).sum(-1);
            return order.transpose(d, last);
        }
    }

    /**
     * {@code torch.topk(x, k, dim, largest, sorted=True)}: the k largest (or smallest) values along {@code dim} in
     * order, and their int64 indices; a sort's first k (so ties keep their original order).
     *
     * @param x a tensor of at least 1 dimension
     * @param k how many elements to take, in [0, x.size(dim)]
     * @param dim the dimension to select along (negative counts from the end)
     * @param largest the largest values first when true, the smallest first when false
     * @return values and indices of {@code x}'s shape with {@code k} along {@code dim}
     * @throws KilnException if {@code x} is 0-d, {@code dim} is out of range or {@code k} is outside [0, x.size(dim)]
     */
    public static Sorted topk(Tensor x, int k, int dim, boolean largest) {
        int d = axis("topk", x, dim);
        int n = x.size(d);
        if (k < 0 || k > n) {
            throw new KilnException("topk: selected index k out of range: k=" + k + " but dimension " + dim + " of shape "
                    + x.shape() + " has size " + n);
        }
        Tensor indices = argsort(x, dim, largest).slice(d, 0, k, 1);
        return new Sorted(x.gather(d, indices), indices);
    }

    /**
     * As {@code torch.topk(x, k)}: the k largest values along the last dimension, largest first.
     *
     * @param x a tensor of at least 1 dimension
     * @param k how many elements to take, in [0, x.size(-1)]
     * @return values and indices of {@code x}'s shape with {@code k} in the last dimension
     * @throws KilnException if {@code x} is 0-d or {@code k} is outside [0, x.size(-1)]
     */
    public static Sorted topk(Tensor x, int k) {
        return topk(x, k, -1, true);
    }

    /**
     * {@code torch.multinomial(weights, numSamples, replacement, generator)}: int64 category indices drawn with
     * probability proportional to the non-negative weights of each row of a 1-D or 2-D {@code weights}. With
     * replacement each sample inverts the cumulative sum at a uniform draw; without, the categories with the
     * largest weight/Exp(1) keys are taken (the order of sequential draws without replacement). The weights
     * are checked when run eagerly (a compiled step cannot read them). Not differentiable.
     *
     * @param weights a floating 1-D [C] or 2-D [N, C] tensor of non-negative, finite weights, not all 0 in a row
     * @param numSamples how many indices to draw per row, positive (at most C without replacement)
     * @param replacement whether a category may be drawn more than once
     * @param generator the generator the draws come from
     * @return int64 indices in [0, C): [numSamples] for 1-D weights, [N, numSamples] for 2-D
     * @throws KilnException if {@code weights} is not 1-D or 2-D or not floating, {@code numSamples} is not
     *     positive or (without replacement) exceeds C, or, eagerly, a row holds a negative, infinite or NaN
     *     weight, sums to 0, or has fewer positive weights than {@code numSamples} without replacement
     */
    public static Tensor multinomial(Tensor weights, int numSamples, boolean replacement, Generator generator) {
        if (weights.dim() < 1 || weights.dim() > 2) {
            throw new KilnException("multinomial: prob_dist must be 1 or 2 dim, got shape " + weights.shape());
        }
        if (!weights.dtype().isFloating()) {
            throw new KilnException("multinomial only supports floating-point dtypes for input, got: " + weights.dtype());
        }
        int n = weights.size(-1);
        if (numSamples <= 0) {
            throw new KilnException("multinomial: cannot sample n_sample <= 0 samples, got numSamples=" + numSamples);
        }
        if (!replacement && numSamples > n) {
            throw new KilnException("multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement"
                    + " (numSamples=" + numSamples + ", categories=" + n + ")");
        }
        if (!Tracing.tracing(List.of(weights))) {
            checkWeights(weights, numSamples, replacement);
        }
        Tensor w = weights.dim() == 1 ? weights.unsqueeze(0) : weights;
        int rows = w.size(0);
        Tensor samples;
        try (var noGrad = Kiln.noGrad()) {
            w = w.detach().to(DType.FLOAT64);
            if (replacement) {
                Tensor u = Tensor.rand(Shape.of(rows, numSamples), DType.FLOAT64, generator);
                Tensor cdf = w.matmul(triangle(n, n, 0, false).to(DType.FLOAT64));
                Tensor total = cdf.slice(1, n - 1, n, 1);
                Tensor count = cdf.unsqueeze(1).le(u.mul(total).unsqueeze(-1)).to(DType.INT64).sum(-1);
                // u·total can round up to total: the draw then falls to the last category of positive weight
                Tensor lastPositive = w.gt(0).to(DType.INT64).mul(Tensor.arange(n)).amax(1, true);
                samples = count.minimum(lastPositive);
            } else {
                Tensor exp = Tensor.rand(Shape.of(rows, n), DType.FLOAT64, generator).neg().log1p().neg();
                Tensor keys = Tensor.where(w.gt(0), w.div(exp), Tensor.scalar(-1, DType.FLOAT64));
                samples = argsort(keys, 1, true).slice(1, 0, numSamples, 1);
            }
        }
        return weights.dim() == 1 ? samples.reshape(numSamples) : samples;
    }

    /** PyTorch's checks of the weights' values, before anything is drawn. */
    private static void checkWeights(Tensor weights, int numSamples, boolean replacement) {
        double[] v = weights.toDoubleArray();
        int n = weights.size(-1);
        int rows = weights.dim() == 1 ? 1 : weights.size(0);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            int positive = 0;
            for (int j = 0; j < n; j++) {
                double x = v[r * n + j];
                if (!(x >= 0) || Double.isInfinite(x)) {
                    throw new KilnException("multinomial: probability tensor contains either inf, nan or element < 0 (row "
                            + r + " holds " + x + " at category " + j + ")");
                }
                sum += x;
                positive += x > 0 ? 1 : 0;
            }
            if (!(sum > 0)) {
                throw new KilnException("multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row " + r);
            }
            if (!replacement && positive < numSamples) {
                throw new KilnException("multinomial: invalid multinomial distribution (with replacement=False, not enough"
                        + " non-negative category to sample): row " + r + " has " + positive + " categories of positive weight,"
                        + " numSamples=" + numSamples);
            }
        }
    }

    /**
     * As {@code torch.repeat_interleave(x, repeats, dim)}: each slice along {@code dim} repeated {@code repeats}
     * times, the copies next to each other ([a, b] to [a, a, b, b]).
     *
     * @param x a tensor of at least 1 dimension
     * @param repeats how many copies of each slice, at least 0
     * @param dim the dimension to repeat along (negative counts from the end)
     * @return {@code x} with {@code dim} of size {@code repeats·x.size(dim)}
     * @throws KilnException if {@code x} is 0-d, {@code dim} is out of range or {@code repeats} is negative
     */
    public static Tensor repeatInterleave(Tensor x, int repeats, int dim) {
        int d = axis("repeatInterleave", x, dim);
        if (repeats < 0) {
            throw new KilnException("repeatInterleave: repeats can not be negative, got " + repeats);
        }
        int n = x.size(d);
        long[] idx = new long[n * repeats];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i / repeats;
        }
        return x.indexSelect(d, Tensor.of(idx));
    }

    private static int axis(String fn, Tensor x, int dim) {
        if (x.dim() == 0) {
            throw new KilnException(fn + ": needs a tensor of at least one dimension, got a 0-d tensor");
        }
        if (dim < -x.dim() || dim >= x.dim()) {
            throw new KilnException(fn + ": dimension out of range (expected to be in range of [" + -x.dim() + ", " + (x.dim() - 1)
                    + "], but got " + dim + ") for shape " + x.shape());
        }
        return Math.floorMod(dim, x.dim());
    }
}
