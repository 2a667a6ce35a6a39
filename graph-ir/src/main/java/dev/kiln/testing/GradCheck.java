package dev.kiln.testing;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Compares autograd's gradients with central finite differences in float64, like
 * {@code torch.autograd.gradcheck}. A non-scalar output is reduced to {@code sum(f(x) * w)}
 * with fixed random weights {@code w}, which checks a random row combination of the Jacobian.
 * Inputs of up to {@code fullJacobianLimit} elements are checked element by element; larger ones
 * along random directions, so a property test stays fast. Works with any test framework: read
 * the {@link Result}, or call {@link Result#assertPassed()}, which throws {@link AssertionError}.
 *
 * <p>A check of {@code x·tanh(x)} in float64:
 * {@snippet file="ApiSnippets.java" region="gradcheck"}
 */
public final class GradCheck {
    private GradCheck() {
    }

    /**
     * Tolerances and sampling. PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3. A point is
     * accepted when {@code |analytic - numeric| <= atol + rtol * |numeric|}.
     *
     * @param eps the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the relative tolerance, times {@code |numeric|}
     * @param fullJacobianLimit the largest input (in elements) checked element by element
     * @param directions how many random directions a larger input is checked along
     * @param seed the seed of the random weights and directions
     */
    public record Options(double eps, double atol, double rtol, int fullJacobianLimit, int directions, long seed) {
        /**
         * A copy with other tolerances.
         *
         * @param atol the absolute tolerance
         * @param rtol the relative tolerance
         * @return the new options
         */
        public Options withTolerance(double atol, double rtol) {
            return new Options(eps, atol, rtol, fullJacobianLimit, directions, seed);
        }

        /**
         * A copy with another element-by-element limit.
         *
         * @param limit the largest input (in elements) checked element by element
         * @return the new options
         */
        public Options withFullJacobianLimit(int limit) {
            return new Options(eps, atol, rtol, limit, directions, seed);
        }
    }

    /**
     * PyTorch's tolerances (eps 1e-6, atol 1e-5, rtol 1e-3); inputs up to 64 elements checked element by
     * element, larger ones along 3 random directions; a fixed seed.
     *
     * @return the default options
     */
    public static Options defaults() {
        return new Options(1e-6, 1e-5, 1e-3, 64, 3, 0x5eed);
    }

    /**
     * The outcome, with the worst point: which input, which element (or random direction,
     * index {@code [-1 - k]}), both derivatives and how far over the tolerance it was; the options
     * it was checked with, and whether the derivatives are of {@code sum(f(x) * w)} (a non-scalar f).
     *
     * @param passed whether every point was within the tolerance
     * @param input the index of the worst point's input (-1 if nothing was checked)
     * @param index the worst point's element index in its input, or {@code [-1 - k]} for random direction k
     * @param analytic autograd's derivative at the worst point
     * @param numeric the finite-difference derivative at the worst point
     * @param excess how far {@code |analytic - numeric|} exceeds the allowed difference (at most 0 if it passed;
     *     infinite for a NaN difference)
     * @param checkedPoints how many elements and directions were checked
     * @param options the options it was checked with
     * @param weightedSum whether f's output was not a scalar, so the derivatives are of {@code sum(f(x) * w)}
     */
    public record Result(boolean passed, int input, int[] index, double analytic, double numeric, double excess,
            int checkedPoints, Options options, boolean weightedSum) {
        /**
         * The report of the worst point: what was differentiated (f itself, or the weighted sum, whose
         * derivatives are not f's own elements'), both derivatives, and the tolerance they were held to.
         *
         * @return a one-line, human-readable report
         */
        public String report() {
            String where = index.length == 1 && index[0] < 0
                    ? "random direction " + (-1 - index[0])
                    : "element " + Arrays.toString(index);
            String of = weightedSum
                    ? "of sum(f(x) * w), f's output weighted by fixed random w (so the numbers are that sum's derivatives,"
                            + " a random row combination of the Jacobian)"
                    : "of f(x)";
            double allowed = options.atol() + options.rtol() * Math.abs(numeric);
            return (passed ? "gradcheck passed" : "gradcheck FAILED") + " (" + checkedPoints + " points, derivatives " + of
                    + "); worst: input " + input + ", " + where + ": analytic " + analytic + " vs numeric " + numeric
                    + ", |difference| " + Math.abs(analytic - numeric) + " against the tolerance atol + rtol * |numeric| = "
                    + options.atol() + " + " + options.rtol() + " * " + Math.abs(numeric) + " = " + allowed + " (eps "
                    + options.eps() + ")";
        }

        /**
         * Throws {@link AssertionError} with the report if the check failed.
         *
         * @return this result, if it passed
         */
        public Result assertPassed() {
            if (!passed) {
                throw new AssertionError(report());
            }
            return this;
        }
    }

    /**
     * Checks {@code f}'s gradients at {@code inputs} with the {@link #defaults()}.
     *
     * @param f the function, of fresh float64 leaf tensors shaped as {@code inputs}
     * @param inputs the point to check at (float64; their values are read, the tensors are not changed)
     * @return the outcome
     * @throws KilnException if an input is not float64
     */
    public static Result check(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        return check(f, List.of(inputs), defaults());
    }

    /**
     * Checks {@code f}'s gradients at {@code inputs}: autograd's against central differences, element by
     * element or along random directions as {@code options} say.
     *
     * @param f the function, of fresh float64 leaf tensors shaped as {@code inputs}
     * @param inputs the point to check at (float64; their values are read, the tensors are not changed)
     * @param options tolerances and sampling
     * @return the outcome
     * @throws KilnException if an input is not float64
     */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, Options options) {
        List<double[]> values = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            if (t.dtype() != DType.FLOAT64) {
                throw new KilnException("GradCheck: input " + i + " is " + t.dtype()
                        + "; use float64 inputs (finite differences in float32 fail spuriously)");
            }
            values.add(t.toDoubleArray());
            shapes.add(t.shape());
        }
        Generator gen = new Generator(options.seed());
        Objective objective = new Objective(f, shapes, gen);
        double[][] analytic = objective.gradients(values);
        Worst worst = new Worst();
        int points = 0;
        for (int i = 0; i < values.size(); i++) {
            double[] x = values.get(i);
            if (x.length <= options.fullJacobianLimit()) {
                for (int j = 0; j < x.length; j++) {
                    double[] dir = new double[x.length];
                    dir[j] = 1;
                    double numeric = objective.directional(values, i, dir, options.eps());
                    worst.offer(options, i, unflatten(j, shapes.get(i)), analytic[i][j], numeric);
                    points++;
                }
            } else {
                for (int k = 0; k < options.directions(); k++) {
                    Tensor v = Tensor.randn(shapes.get(i), DType.FLOAT64, gen);
                    double[] dir = v.toDoubleArray();
                    double a = 0;
                    for (int j = 0; j < dir.length; j++) {
                        a += analytic[i][j] * dir[j];
                    }
                    double numeric = objective.directional(values, i, dir, options.eps());
                    worst.offer(options, i, new int[] {-1 - k}, a, numeric);
                    points++;
                }
            }
        }
        return new Result(worst.excess <= 0, worst.input, worst.index, worst.analytic, worst.numeric, worst.excess,
                points, options, objective.weighted());
    }

    private static int[] unflatten(int flat, Shape shape) {
        int[] idx = new int[shape.rank()];
        for (int k = shape.rank() - 1; k >= 0; k--) {
            idx[k] = flat % shape.dim(k);
            flat /= shape.dim(k);
        }
        return idx;
    }

    /** The scalar being checked: f itself, or sum(f * w) for a non-scalar f. */
    private static final class Objective {
        private final Function<List<Tensor>, Tensor> f;
        private final List<Shape> shapes;
        private final Generator gen;
        private Tensor weights;

        Objective(Function<List<Tensor>, Tensor> f, List<Shape> shapes, Generator gen) {
            this.f = f;
            this.shapes = shapes;
            this.gen = gen;
        }

        /** Whether f's output was not a scalar, so the objective is its weighted sum. */
        boolean weighted() {
            return weights != null;
        }

        private Tensor value(List<Tensor> xs) {
            Tensor y = f.apply(xs);
            if (y.numel() == 1) {
                return y.sum();
            }
            if (weights == null) {
                weights = Tensor.randn(y.shape(), DType.FLOAT64, gen);
            }
            return y.to(DType.FLOAT64).mul(weights).sum();
        }

        double[][] gradients(List<double[]> values) {
            List<Tensor> xs = leaves(values, -1, null, 0);
            for (Tensor x : xs) {
                x.requiresGrad_(true);
            }
            Tensor out;
            try (var grad = Kiln.enableGrad()) {
                out = value(xs);
                if (out.requiresGrad()) {
                    out.backward();
                }
            }
            double[][] g = new double[xs.size()][];
            for (int i = 0; i < xs.size(); i++) {
                Tensor gi = xs.get(i).grad();
                g[i] = gi == null ? new double[values.get(i).length] : gi.toDoubleArray();
            }
            return g;
        }

        /** Central difference of the objective along {@code dir} in input {@code which}. */
        double directional(List<double[]> values, int which, double[] dir, double eps) {
            try (var noGrad = Kiln.noGrad()) {
                double plus = value(leaves(values, which, dir, eps)).item();
                double minus = value(leaves(values, which, dir, -eps)).item();
                return (plus - minus) / (2 * eps);
            }
        }

        private List<Tensor> leaves(List<double[]> values, int which, double[] dir, double step) {
            List<Tensor> xs = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                double[] v = values.get(i).clone();
                if (i == which) {
                    for (int j = 0; j < v.length; j++) {
                        v[j] += step * dir[j];
                    }
                }
                xs.add(Tensor.fromArray(v, shapes.get(i), DType.FLOAT64));
            }
            return xs;
        }
    }

    private static final class Worst {
        double excess = Double.NEGATIVE_INFINITY;
        int input = -1;
        int[] index = new int[0];
        double analytic;
        double numeric;

        void offer(Options o, int input, int[] index, double analytic, double numeric) {
            double allowed = o.atol() + o.rtol() * Math.abs(numeric);
            double diff = Math.abs(analytic - numeric);
            double e = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff - allowed;
            if (e > excess) {
                excess = e;
                this.input = input;
                this.index = index;
                this.analytic = analytic;
                this.numeric = numeric;
            }
        }
    }
}
