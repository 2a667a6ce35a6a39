package dev.kiln.tests;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.testing.GradCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Every primitive (and front-end composite) passes GradCheck in float64 over random shapes and values. */
class PrimitiveGradientProperties {
    static final int EXAMPLES = 25;

    private static final DoubleUnaryOperator ANY = v -> v;
    /** Away from 0 and positive: log, sqrt, pow with a float exponent. */
    private static final DoubleUnaryOperator POSITIVE = v -> Math.abs(v) + 0.5;
    /** Away from 0, either sign: denominators. */
    private static final DoubleUnaryOperator NONZERO = v -> Math.copySign(Math.abs(v) + 0.5, v);

    /** A case: a function of some inputs, each input's value domain, and the smallest rank it needs. */
    record Case(String name, int minRank, List<DoubleUnaryOperator> domains, boolean broadcast,
            Function<List<Tensor>, Tensor> f, GradCheck.Options options) {
        Case(String name, int minRank, List<DoubleUnaryOperator> domains, boolean broadcast, Function<List<Tensor>, Tensor> f) {
            this(name, minRank, domains, broadcast, f, GradCheck.defaults());
        }
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        unary(c, "neg", ANY, Tensor::neg);
        unary(c, "abs", ANY, Tensor::abs);
        unary(c, "exp", ANY, Tensor::exp);
        unary(c, "log", POSITIVE, Tensor::log);
        unary(c, "sin", ANY, Tensor::sin);
        unary(c, "cos", ANY, Tensor::cos);
        unary(c, "sqrt", POSITIVE, Tensor::sqrt);
        unary(c, "tanh", ANY, Tensor::tanh);
        unary(c, "sigmoid", ANY, Tensor::sigmoid);
        unary(c, "relu", ANY, Tensor::relu);
        unary(c, "pow-int-3 (negative bases)", ANY, x -> x.pow(3));
        unary(c, "pow-0", ANY, x -> x.pow(0));
        unary(c, "pow-scalar-float", POSITIVE, x -> x.pow(1.7));
        unary(c, "scalar ops", ANY, x -> x.mul(2.0).add(1.0).sub(0.5).div(3.0).rsub(1.0));
        binary(c, "add", ANY, ANY, Tensor::add);
        binary(c, "sub", ANY, ANY, Tensor::sub);
        binary(c, "mul", ANY, ANY, Tensor::mul);
        binary(c, "div", ANY, NONZERO, Tensor::div);
        binary(c, "pow (both)", POSITIVE, ANY, Tensor::pow);
        binary(c, "maximum", ANY, ANY, Tensor::maximum);
        binary(c, "minimum", ANY, ANY, Tensor::minimum);
        binary(c, "where", ANY, ANY, (x, y) -> Tensor.where(x.gt(y), x.mul(2.0), y));
        // q, k and v from one [..., T, E] input (non-broadcast cases draw one shape)
        c.add(new Case("fused attention (causal)", 2, List.of(ANY), false, xs -> {
            System.setProperty("kiln.attention.fusedMinScores", "0"); // fused at these short lengths too
            try {
                return dev.kiln.nn.Attention.scaledDotProductAttention(xs.get(0), xs.get(0).mul(0.5), xs.get(0).cos(), null, 0, true,
                        null);
            } finally {
                System.clearProperty("kiln.attention.fusedMinScores");
            }
        }));
        c.add(new Case("where (3 inputs)", 0, List.of(ANY, ANY, ANY), true,
                xs -> Tensor.where(xs.get(0).gt(0.0), xs.get(1), xs.get(2))));
        // the one differentiable cast is between floating types: through float32 and back, with a
        // step of 1e-2 so float32 rounding (about 6e-8 relative) stays far below the tolerance
        c.add(new Case("cast float64 -> float32 -> float64", 0, List.of(ANY), false,
                xs -> xs.get(0).to(DType.FLOAT32).to(DType.FLOAT64).mul(xs.get(0)),
                new GradCheck.Options(1e-2, 1e-4, 1e-3, 64, 3, 0x5eed)));
        unary(c, "sum", ANY, Tensor::sum);
        unary(c, "mean", ANY, Tensor::mean);
        unary(c, "max (all)", ANY, Tensor::max);
        ranked(c, "sum axis 0", 1, x -> x.sum(0));
        ranked(c, "sum last keepDim", 1, x -> x.sum(new int[] {-1}, true));
        ranked(c, "mean axes keepDim", 2, x -> x.mean(new int[] {0, -1}, true));
        ranked(c, "amax last", 1, x -> x.amax(new int[] {-1}, false));
        unary(c, "reshape -1", ANY, x -> x.reshape(-1));
        unary(c, "unsqueeze/squeeze", ANY, x -> x.unsqueeze(0).unsqueeze(-1).squeeze());
        unary(c, "expand", ANY, x -> x.unsqueeze(0).expand(expandDims(x.dim())).mul(Tensor.of(DType.FLOAT64, 1, 2, 3)
                .reshape(shapeOfOnes(x.dim() + 1, 3))));
        ranked(c, "transpose", 2, x -> x.transpose(0, -1));
        ranked(c, "permute", 3, x -> x.permute(2, 0, 1));
        ranked(c, "flatten", 2, x -> x.flatten(0, 1));
        ranked(c, "slice step 2", 1, x -> x.slice(0, 1, x.size(0), 2));
        ranked(c, "select", 1, x -> x.select(-1, x.size(-1) - 1));
        ranked(c, "reshape of a transposed view (copy)", 2, x -> x.transpose(0, -1).reshape(-1).mul(x.transpose(0, -1).reshape(-1)));
        // composites of the classification issue (their parts are primitives; checked as wholes at awkward sizes)
        ranked(c, "softmax last", 1, x -> x.softmax(-1).mul(x));
        ranked(c, "logSoftmax first", 1, x -> x.logSoftmax(0));
        ranked(c, "logsumexp keepDim", 1, x -> x.logsumexp(-1, true));
        ranked(c, "var unbiased", 1, x -> x.size(0) > 1 ? x.var(0, false, true) : x.var(0, false, false));
        ranked(c, "std biased keepDim", 1, x -> Tensor.cat(List.of(x, x.mul(2.0).add(1.0)), -1).std(-1, true, false));
        unary(c, "clamp", ANY, x -> x.clamp(-0.5, 0.5).mul(x));
        unary(c, "log1p", POSITIVE, Tensor::log1p);
        unary(c, "expm1", ANY, Tensor::expm1);
        unary(c, "erf", ANY, Tensor::erf);
        ranked(c, "gather (repeated indices)", 1, x -> x.gather(-1, positions(x.shape().toArray(), x.size(-1))));
        ranked(c, "scatterAdd (into a sum of x)", 1, x -> x.mul(x).scatterAdd(0, positions(x.shape().toArray(), x.size(0)), x.exp()));
        ranked(c, "indexSelect", 1, x -> x.indexSelect(0, Tensor.of(0L, (long) x.size(0) - 1, 0L)));
        unary(c, "gelu (exact)", ANY, x -> dev.kiln.nn.Functional.gelu(x, "none"));
        unary(c, "silu", ANY, dev.kiln.nn.Functional::silu);
        unary(c, "leakyRelu", ANY, x -> dev.kiln.nn.Functional.leakyRelu(x, 0.2));
        unary(c, "softplus (both sides of the threshold)", ANY, x -> dev.kiln.nn.Functional.softplus(x.mul(4.0), 1.5, 2));
        ranked(c, "cat and split", 1, x -> Tensor.cat(List.of(x, x.mul(x)), -1).split(Math.max(1, x.size(-1) - 1), -1).getFirst());
        ranked(c, "stack and chunk", 1, x -> Tensor.stack(List.of(x, x.exp()), 0).chunk(2, 0).getLast());
        ranked(c, "crossEntropy (indices, smoothing, weights)", 2, x -> {
            Tensor logits = x.reshape(x.size(0), -1);
            int n = logits.size(0);
            int classes = logits.size(1);
            long[] target = new long[n];
            for (int i = 0; i < n; i++) {
                target[i] = (i * 7L) % classes;
            }
            Tensor w = Tensor.arange(classes).to(DType.FLOAT64).add(1.0);
            return dev.kiln.nn.Functional.crossEntropy(logits, Tensor.of(target), w, -100, 0.1, dev.kiln.nn.Reduction.MEAN);
        });
        ranked(c, "crossEntropy (probabilities)", 2, x -> {
            Tensor logits = x.reshape(x.size(0), -1);
            return dev.kiln.nn.Functional.crossEntropy(logits, fixed(logits).softmax(1), null, -100, 0, dev.kiln.nn.Reduction.SUM);
        });
        unary(c, "binaryCrossEntropyWithLogits", ANY, x -> dev.kiln.nn.Functional.binaryCrossEntropyWithLogits(x,
                fixed(x).sigmoid(), null, null, dev.kiln.nn.Reduction.SUM));
        unary(c, "binaryCrossEntropy", ANY, x -> dev.kiln.nn.Functional.binaryCrossEntropy(x.sigmoid(), fixed(x).sigmoid(),
                null, dev.kiln.nn.Reduction.MEAN));
        unary(c, "huberLoss", ANY, x -> dev.kiln.nn.Functional.huberLoss(x.mul(2.0), fixed(x), 0.9, dev.kiln.nn.Reduction.SUM));
        unary(c, "smoothL1Loss", ANY, x -> dev.kiln.nn.Functional.smoothL1Loss(x.mul(2.0), fixed(x), 0.9, dev.kiln.nn.Reduction.SUM));
        return c;
    }

    /** Int64 indices of {@code shape} in [0, bound), repeating, fixed by the shape alone. */
    private static Tensor positions(int[] shape, int bound) {
        long[] v = new long[Math.toIntExact(Shape.of(shape).numelLong())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i * 7L + 3) % bound;
        }
        return Tensor.of(v).reshape(shape);
    }

    /** Targets of {@code x}'s shape that do not depend on its values (finite differences must not move them). */
    private static Tensor fixed(Tensor x) {
        return Tensor.arange(x.numel()).to(DType.FLOAT64).mul(0.37).sin().mul(1.5).reshape(x.shape().toArray());
    }

    /** {@code [3, -1, -1, ...]}: a new leading dimension of 3, the rest kept. */
    private static int[] expandDims(int rank) {
        int[] d = new int[rank + 1];
        java.util.Arrays.fill(d, -1);
        d[0] = 3;
        return d;
    }

    private static int[] shapeOfOnes(int rank, int first) {
        int[] d = new int[rank];
        java.util.Arrays.fill(d, 1);
        d[0] = first;
        return d;
    }

    private static void unary(List<Case> c, String name, DoubleUnaryOperator domain, Function<Tensor, Tensor> f) {
        c.add(new Case(name, 0, List.of(domain), false, xs -> f.apply(xs.get(0))));
    }

    private static void ranked(List<Case> c, String name, int minRank, Function<Tensor, Tensor> f) {
        c.add(new Case(name, minRank, List.of(ANY), false, xs -> f.apply(xs.get(0))));
    }

    private static void binary(List<Case> c, String name, DoubleUnaryOperator d0, DoubleUnaryOperator d1,
            java.util.function.BinaryOperator<Tensor> f) {
        c.add(new Case(name, 0, List.of(d0, d1), true, xs -> f.apply(xs.get(0), xs.get(1))));
    }

    record Example(Shape[] shapes, long seed) {
        @Override
        public String toString() {
            return java.util.Arrays.toString(shapes) + " values from seed " + seed;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyPrimitivePassesGradCheck() {
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> {
            Gen<Shape[]> shapes = k.broadcast()
                    ? (k.domains().size() == 2 ? Props.broadcastPair()
                            : Props.broadcastPair().map((Shape[] p) -> new Shape[] {p[0], p[1], p[0]}))
                    : Props.shape(k.minRank()).map((Shape s) -> new Shape[] {s});
            Props.check(k.name(), EXAMPLES, shapes.zip(Props.seeds(), Example::new), e -> {
                Shape[] ss = e.shapes();
                long seed = e.seed();
                List<Tensor> xs = new ArrayList<>();
                for (int i = 0; i < k.domains().size(); i++) {
                    double[] v = Props.normal(ss[i], seed + i).toDoubleArray();
                    for (int j = 0; j < v.length; j++) {
                        v[j] = k.domains().get(i).applyAsDouble(v[j]);
                    }
                    xs.add(Tensor.fromArray(v, ss[i], DType.FLOAT64));
                }
                GradCheck.check(k.f(), xs, k.options()).assertPassed();
            });
        }));
    }

    @TestFactory
    Stream<DynamicTest> matmulPassesGradCheck() {
        Gen<Integer> d = Generate.pick(List.of(1, 2, 3, 5, 13));
        Gen<int[]> dims = d.zip(d, d, (n, k, m) -> new int[] {n, k, m}).zip(Generate.range(0, 4), (a, kind) -> new int[] {
            a[0], a[1], a[2], kind});
        return Stream.of(DynamicTest.dynamicTest("matmul 1-D/2-D/batched", () -> Props.check("matmul", 40,
                dims.zip(Props.seeds(), (a, s) -> new long[] {a[0], a[1], a[2], a[3], s}), p -> {
                    int n = (int) p[0];
                    int k = (int) p[1];
                    int m = (int) p[2];
                    Shape a = switch ((int) p[3]) {
                        case 0 -> Shape.of(k);
                        case 3 -> Shape.of(2, n, k);
                        default -> Shape.of(n, k);
                    };
                    Shape b = switch ((int) p[3]) {
                        case 1 -> Shape.of(k);
                        case 3 -> Shape.of(k, m);
                        default -> Shape.of(k, m);
                    };
                    GradCheck.check(xs -> xs.get(0).matmul(xs.get(1)),
                            List.of(Props.normal(a, p[4]), Props.normal(b, p[4] + 1)), GradCheck.defaults()).assertPassed();
                })));
    }
}
