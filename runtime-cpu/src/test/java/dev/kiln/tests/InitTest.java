package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Init;
import dev.kiln.nn.Init.FanMode;
import dev.kiln.nn.Linear;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code nn.Init} against PyTorch 1.13's {@code torch/nn/init.py}: gains and fans exactly, the draws by
 * their statistics (Kiln's Philox streams are not PyTorch's), with tolerances of five standard errors.
 */
class InitTest {
    private static Tensor f64(int... dims) {
        return Tensor.zeros(Shape.of(dims), DType.FLOAT64);
    }

    /** Mean and standard deviation of the values, with their minimum and maximum. */
    private record Stats(double mean, double std, double min, double max, int n) {
        static Stats of(Tensor t) {
            double[] v = t.toDoubleArray();
            double mean = Arrays.stream(v).average().orElseThrow();
            double ss = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum();
            return new Stats(mean, Math.sqrt(ss / (v.length - 1)), Arrays.stream(v).min().orElseThrow(),
                    Arrays.stream(v).max().orElseThrow(), v.length);
        }

        /** The mean within five standard errors, the std within {@code relStd}. */
        void expect(double mean, double std, double relStd, String what) {
            assertEquals(mean, this.mean, 5 * std / Math.sqrt(n), what + " mean");
            assertEquals(std, this.std, relStd * std, what + " std");
        }
    }

    @Test
    void gainsAreTorchsCalculateGain() {
        // the values printed by torch.nn.init.calculate_gain in PyTorch 1.13
        for (String linear : new String[] {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid"}) {
            assertEquals(1.0, Init.calculateGain(linear), 0.0, linear);
        }
        assertEquals(1.6666666666666667, Init.calculateGain("tanh"), 0.0);
        assertEquals(1.4142135623730951, Init.calculateGain("relu"), 0.0);
        assertEquals(0.75, Init.calculateGain("selu"), 0.0);
        assertEquals(1.4141428569978354, Init.calculateGain("leaky_relu"), 0.0);
        assertEquals(1.3867504905630728, Init.calculateGain("leaky_relu", 0.2), 0.0);
        assertEquals(1.4142135623730951, Init.calculateGain("leaky_relu", 0), 0.0);
        var e = assertThrows(KilnException.class, () -> Init.calculateGain("gelu"));
        assertTrue(e.getMessage().contains("unsupported nonlinearity \"gelu\"") && e.getMessage().contains("InitTest.java"),
                e.getMessage());
    }

    @Test
    void fansCountAConvolutionsReceptiveField() {
        assertEquals(new Init.Fans(5, 3), Init.calculateFanInAndFanOut(f64(3, 5)));
        assertEquals(new Init.Fans(72, 144), Init.calculateFanInAndFanOut(f64(16, 8, 3, 3)));
        assertEquals(new Init.Fans(10, 20), Init.calculateFanInAndFanOut(f64(4, 2, 5)));
        for (Tensor t : new Tensor[] {f64(7), Tensor.scalar(1.0)}) {
            var e = assertThrows(KilnException.class, () -> Init.calculateFanInAndFanOut(t));
            assertTrue(e.getMessage().startsWith("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
                    e.getMessage());
            assertThrows(KilnException.class, () -> Init.xavierUniform_(t));
        }
        var e = assertThrows(KilnException.class, () -> Init.orthogonal_(f64(4)));
        assertTrue(e.getMessage().contains("only tensors with 2 or more dimensions"), e.getMessage());
    }

    @Test
    void uniformAndNormalHaveTheirMomentsAndBounds() {
        Stats u = Stats.of(Init.uniform_(f64(200, 250), -0.3, 0.7, new Generator(1)));
        u.expect(0.2, 1 / Math.sqrt(12), 0.015, "U(-0.3, 0.7)");
        assertTrue(u.min() >= -0.3 && u.max() < 0.7 && u.min() < -0.299 && u.max() > 0.699, u.toString());
        Stats.of(Init.normal_(f64(200, 250), 2, 0.5, new Generator(2))).expect(2, 0.5, 0.02, "N(2, 0.25)");
        Tensor c = Init.constant_(Tensor.zeros(Shape.of(3, 2), DType.FLOAT32), 0.25);
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f}, c.toFloatArray());
        assertArrayEquals(new double[] {1, 1}, Init.ones_(f64(2)).toDoubleArray());
        assertArrayEquals(new double[] {0, 0}, Init.zeros_(Tensor.ones(Shape.of(2), DType.FLOAT64)).toDoubleArray());
        var e = assertThrows(KilnException.class, () -> Init.uniform_(Tensor.zeros(Shape.of(2), DType.INT64)));
        assertTrue(e.getMessage().contains("uniform_: needs a floating tensor, got int64"), e.getMessage());
    }

    @Test
    void xavierAndKaimingScaleByTheirFans() {
        double gain = Init.calculateGain("tanh");
        double a = gain * Math.sqrt(6.0 / (300 + 200));
        Stats xu = Stats.of(Init.xavierUniform_(f64(300, 200), gain, new Generator(3)));
        xu.expect(0, a / Math.sqrt(3), 0.015, "xavier uniform");
        assertTrue(xu.max() <= a && xu.min() >= -a && xu.max() > 0.999 * a, xu.toString());
        Stats.of(Init.xavierNormal_(f64(300, 200), 1, new Generator(4))).expect(0, Math.sqrt(2.0 / 500), 0.02, "xavier normal");

        // a convolution's weight [64, 16, 3, 3]: fan_in 144, fan_out 576
        double inBound = Math.sqrt(2.0) * Math.sqrt(3.0 / 144);
        Stats ku = Stats.of(Init.kaimingUniform_(f64(64, 16, 3, 3), 0, FanMode.FAN_IN, "leaky_relu", new Generator(5)));
        ku.expect(0, inBound / Math.sqrt(3), 0.02, "kaiming uniform fan_in");
        assertTrue(ku.max() <= inBound && ku.max() > 0.99 * inBound, ku.toString());
        double outBound = Math.sqrt(2.0) * Math.sqrt(3.0 / 576);
        Stats kuOut = Stats.of(Init.kaimingUniform_(f64(64, 16, 3, 3), 0, FanMode.FAN_OUT, "relu", new Generator(5)));
        assertTrue(kuOut.max() <= outBound && kuOut.max() > 0.99 * outBound, kuOut.toString());
        Stats.of(Init.kaimingNormal_(f64(64, 16, 3, 3), 0.1, FanMode.FAN_OUT, "leaky_relu", new Generator(6)))
                .expect(0, Init.calculateGain("leaky_relu", 0.1) / Math.sqrt(576), 0.02, "kaiming normal fan_out");
        // PyTorch's Linear default, kaiming_uniform_(a = √5), is U(±1/√fan_in)
        Stats lin = Stats.of(Init.kaimingUniform_(f64(400, 100), Math.sqrt(5), FanMode.FAN_IN, "leaky_relu", new Generator(7)));
        assertTrue(lin.max() <= 0.1 + 1e-15 && lin.max() > 0.099 && lin.min() < -0.099, lin.toString());
        // no elements: left alone, as PyTorch (which only warns)
        assertEquals(0, Init.kaimingUniform_(f64(0, 3)).numel());
    }

    @Test
    void truncatedNormalStaysInItsBoundsWithTheTruncatedMoments() {
        Stats std = Stats.of(Init.truncNormal_(f64(200, 200), 0, 1, -2, 2, new Generator(8)));
        // the truncated normal's mean and standard deviation (closed form, evaluated with Python's math.erf)
        std.expect(0, 0.8796256610342398, 0.02, "N(0, 1) on [-2, 2]");
        assertTrue(std.min() >= -2 && std.max() <= 2 && std.max() > 1.99, std.toString());
        Stats shifted = Stats.of(Init.truncNormal_(f64(200, 200), 1, 2, -1, 4, new Generator(9)));
        shifted.expect(1.2903748943050524, 1.2894727700225224, 0.02, "N(1, 4) on [-1, 4]");
        assertTrue(shifted.min() >= -1 && shifted.max() <= 4 && shifted.min() < -0.99 && shifted.max() > 3.99, shifted.toString());
        Tensor f32 = Init.truncNormal_(Tensor.zeros(Shape.of(1000), DType.FLOAT32), 0, 0.02, -0.04, 0.04, new Generator(10));
        for (float v : f32.toFloatArray()) {
            assertTrue(v >= -0.04f && v <= 0.04f, "float32 value " + v);
        }
    }

    /** Whether {@code m} [r, k] times its transpose ({@code rows}) or its transpose times it is the identity. */
    private static void assertOrthonormal(double[] m, int r, int k, boolean rows, double gain, double tol) {
        int n = rows ? r : k;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int l = 0; l < (rows ? k : r); l++) {
                    dot += rows ? m[i * k + l] * m[j * k + l] : m[l * k + i] * m[l * k + j];
                }
                assertEquals(i == j ? gain * gain : 0, dot, tol, "entry (" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void orthogonalGivesOrthonormalRowsOrColumns() {
        // tall [8, 5]: orthonormal columns; wide [5, 8]: orthonormal rows; [6, 2, 3] is flattened to [6, 6]
        assertOrthonormal(Init.orthogonal_(f64(8, 5), 1, new Generator(11)).toDoubleArray(), 8, 5, false, 1, 1e-13);
        assertOrthonormal(Init.orthogonal_(f64(5, 8), 1, new Generator(12)).toDoubleArray(), 5, 8, true, 1, 1e-13);
        Tensor conv = Init.orthogonal_(f64(6, 2, 3), 2.5, new Generator(13));
        assertEquals(Shape.of(6, 2, 3), conv.shape());
        assertOrthonormal(conv.toDoubleArray(), 6, 6, true, 2.5, 1e-12);
        assertOrthonormal(conv.toDoubleArray(), 6, 6, false, 2.5, 1e-12);
        assertOrthonormal(Init.orthogonal_(Tensor.zeros(Shape.of(30, 20), DType.FLOAT32), 1, new Generator(14)).toDoubleArray(),
                30, 20, false, 1, 1e-5);
    }

    @Test
    void orthogonalIsTheQWhoseRHasAPositiveDiagonal() {
        // That Q is unique, so it is what PyTorch's linalg.qr and sign fix give for the same normal draw:
        // Qᵀ·A (A: the [rows, cols] standard normal drawn first from the generator) is R, upper triangular with
        // a positive diagonal. A wide matrix is factored transposed, so there Q·Aᵀ is that R.
        for (int[] rc : new int[][] {{7, 4}, {4, 7}, {5, 5}}) {
            int rows = rc[0];
            int cols = rc[1];
            double[] q = Init.orthogonal_(f64(rows, cols), 1, new Generator(15)).toDoubleArray();
            double[] a = Tensor.randn(Shape.of(rows, cols), DType.FLOAT64, new Generator(15)).toDoubleArray();
            int k = Math.min(rows, cols);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    double r = 0;
                    for (int l = 0; l < Math.max(rows, cols); l++) {
                        r += rows >= cols ? q[l * cols + i] * a[l * cols + j] : q[i * cols + l] * a[j * cols + l];
                    }
                    if (i > j) {
                        assertEquals(0, r, 1e-12, rows + "x" + cols + " R(" + i + ", " + j + ") below the diagonal");
                    } else if (i == j) {
                        assertTrue(r > 0, rows + "x" + cols + " R's diagonal entry " + i + " is " + r);
                    }
                }
            }
        }
    }

    @Test
    void aSeededGeneratorRepeatsAndTheDefaultGeneratorIsUsedWithoutOne() {
        for (var init : java.util.List.<java.util.function.BiFunction<Tensor, Generator, Tensor>>of(
                (t, g) -> Init.uniform_(t, -1, 1, g), (t, g) -> Init.normal_(t, 0, 1, g), (t, g) -> Init.xavierUniform_(t, 1, g),
                (t, g) -> Init.kaimingNormal_(t, 0, FanMode.FAN_IN, "relu", g), (t, g) -> Init.orthogonal_(t, 1, g),
                (t, g) -> Init.truncNormal_(t, 0, 1, -2, 2, g))) {
            double[] first = init.apply(f64(6, 4), new Generator(42)).toDoubleArray();
            assertArrayEquals(first, init.apply(f64(6, 4), new Generator(42)).toDoubleArray());
            assertFalse(Arrays.equals(first, init.apply(f64(6, 4), new Generator(43)).toDoubleArray()));
        }
        Kiln.defaultGenerator().manualSeed(99);
        double[] viaDefault = Init.kaimingUniform_(f64(5, 3)).toDoubleArray();
        assertArrayEquals(Init.kaimingUniform_(f64(5, 3), 0, FanMode.FAN_IN, "leaky_relu", new Generator(99)).toDoubleArray(),
                viaDefault);
    }

    @Test
    void aParameterIsFilledInPlaceOutsideAutograd() {
        Linear lin = new Linear(4, 3);
        Tensor w = lin.weight;
        assertSame(w, Init.xavierNormal_(w));
        assertTrue(w.isLeaf() && w.requiresGrad());
        Init.zeros_(lin.bias);
        lin.forward(Tensor.ones(2, 4)).sum().backward();
        assertEquals(Shape.of(3, 4), w.grad().shape());
        // the random ones trace (a draw node each call); the host-side ones refuse
        Generator g = new Generator(30);
        var redraw = Kiln.compile(args -> Init.uniform_(lin.bias, 2, 3, g).sum());
        double first = redraw.call().item();
        double second = redraw.call().item();
        assertTrue(first > 6 && first < 9 && second > 6 && second < 9 && first != second, first + ", " + second);
        for (double v : lin.bias.toDoubleArray()) {
            assertTrue(v >= 2 && v < 3, "the compiled draw is written back: " + v);
        }
        var e = assertThrows(KilnException.class, () -> Kiln.compile(args -> Init.orthogonal_(w)).call());
        assertTrue(e.getMessage().contains("cannot run inside a compiled function"), e.getMessage());
    }

    @Test
    void linearAndEmbeddingDrawExactlyAsBefore() {
        // Linear's U(±1/√in) and Embedding's N(0, 1) go through Init now: the same bits as the draws they made
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Linear lin = new Linear(7, 3, true, new Generator(21), dt);
            Generator g = new Generator(21);
            double b = 1 / Math.sqrt(7);
            assertArrayEquals(Tensor.rand(Shape.of(3, 7), dt, g).mul(2 * b).sub(b).toDoubleArray(), lin.weight.toDoubleArray());
            assertArrayEquals(Tensor.rand(Shape.of(3), dt, g).mul(2 * b).sub(b).toDoubleArray(), lin.bias.toDoubleArray());
            Kiln.defaultGenerator().manualSeed(22);
            var emb = new dev.kiln.nn.Embedding(9, 4, dt);
            assertArrayEquals(Tensor.randn(Shape.of(9, 4), dt, new Generator(22)).toDoubleArray(), emb.weight.toDoubleArray());
        }
    }
}
