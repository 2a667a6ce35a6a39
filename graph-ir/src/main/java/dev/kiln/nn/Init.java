package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.ir.Semantics;
import java.util.List;

/**
 * PyTorch's {@code torch.nn.init}: each function fills a tensor in place, outside autograd, and returns
 * it, with PyTorch 1.13's formulas (gains, fans, bounds). Random ones draw from the given
 * {@link Generator} (the thread's default generator otherwise), so a seed gives the same values on
 * every run; the draws are Kiln's Philox streams, not PyTorch's.
 */
public final class Init {
    /** Which fan Kaiming initialization scales by, as PyTorch's {@code mode='fan_in' | 'fan_out'}. */
    public enum FanMode {
        /** The fan-in, {@code mode='fan_in'}: keeps the variance of the forward pass's activations. */
        FAN_IN,
        /** The fan-out, {@code mode='fan_out'}: keeps the variance of the backward pass's gradients. */
        FAN_OUT
    }

    /**
     * A weight's fan-in and fan-out, as {@code _calculate_fan_in_and_fan_out} returns them.
     *
     * @param fanIn the inputs feeding each output: {@code size(1)} times the receptive field
     * @param fanOut the outputs each input feeds: {@code size(0)} times the receptive field
     */
    public record Fans(int fanIn, int fanOut) {
    }

    private static final List<String> LINEAR_FNS = List.of("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
            "conv_transpose2d", "conv_transpose3d", "sigmoid");

    private Init() {
    }

    /**
     * As {@code torch.nn.init.calculate_gain(nonlinearity)}: the recommended gain for {@code nonlinearity};
     * leaky_relu's negative slope is taken as 0.01.
     *
     * @param nonlinearity an {@code nn.functional} name: "linear", "conv1d", "conv2d", "conv3d",
     *     "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid" (all gain 1), "tanh" (5/3),
     *     "relu" (√2), "leaky_relu" or "selu" (3/4)
     * @return the gain
     * @throws KilnException if {@code nonlinearity} is none of these
     */
    public static double calculateGain(String nonlinearity) {
        return calculateGain(nonlinearity, 0.01);
    }

    /**
     * As {@code torch.nn.init.calculate_gain(nonlinearity, param)}: {@link #calculateGain(String)} with
     * {@code param} as leaky_relu's negative slope, whose gain is √(2 / (1 + param²)).
     *
     * @param nonlinearity an {@code nn.functional} name, as for {@link #calculateGain(String)}
     * @param param leaky_relu's negative slope (ignored by the other nonlinearities)
     * @return the gain
     * @throws KilnException if {@code nonlinearity} is not one {@link #calculateGain(String)} lists
     */
    public static double calculateGain(String nonlinearity, double param) {
        if (LINEAR_FNS.contains(nonlinearity)) {
            return 1;
        }
        return switch (nonlinearity) {
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1 + param * param));
            case "selu" -> 3.0 / 4;
            default -> throw new KilnException("calculateGain: unsupported nonlinearity \"" + nonlinearity + "\"; expected one of "
                    + LINEAR_FNS + ", tanh, relu, leaky_relu, selu");
        };
    }

    /**
     * Fan-in {@code size(1) · receptive field} and fan-out {@code size(0) · receptive field}, the receptive
     * field being the product of the sizes after the first two (a convolution's kernel), as PyTorch computes them.
     *
     * @param tensor a weight of at least 2 dimensions, [out, in, *kernel]
     * @return its fan-in and fan-out
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions
     */
    public static Fans calculateFanInAndFanOut(Tensor tensor) {
        if (tensor.dim() < 2) {
            throw new KilnException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape "
                    + tensor.shape() + ")");
        }
        int receptive = 1;
        for (int i = 2; i < tensor.dim(); i++) {
            receptive *= tensor.size(i);
        }
        return new Fans(tensor.size(1) * receptive, tensor.size(0) * receptive);
    }

    // ------------------------------------------------------------------ constants

    /**
     * As {@code torch.nn.init.constant_}: fills {@code tensor} with {@code value} in place, outside autograd.
     *
     * @param tensor the tensor to fill in place
     * @param value the value every element takes (converted to the tensor's dtype)
     * @return {@code tensor}, filled
     */
    public static Tensor constant_(Tensor tensor, double value) {
        try (var noGrad = Kiln.noGrad()) {
            return tensor.fill_(value);
        }
    }

    /**
     * As {@code torch.nn.init.zeros_}: fills {@code tensor} with 0 in place, outside autograd.
     *
     * @param tensor the tensor to fill in place
     * @return {@code tensor}, filled
     */
    public static Tensor zeros_(Tensor tensor) {
        return constant_(tensor, 0);
    }

    /**
     * As {@code torch.nn.init.ones_}: fills {@code tensor} with 1 in place, outside autograd.
     *
     * @param tensor the tensor to fill in place
     * @return {@code tensor}, filled
     */
    public static Tensor ones_(Tensor tensor) {
        return constant_(tensor, 1);
    }

    // ------------------------------------------------------------------ uniform and normal

    /**
     * As {@code torch.nn.init.uniform_(tensor)}: fills {@code tensor} in place with values uniform in [0, 1),
     * from the thread's default generator.
     *
     * @param tensor the floating tensor to fill in place
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating
     */
    public static Tensor uniform_(Tensor tensor) {
        return uniform_(tensor, 0, 1);
    }

    /**
     * As {@code torch.nn.init.uniform_(tensor, a, b)}: fills {@code tensor} in place with U(a, b), that is
     * {@code a + (b − a)·u} for u uniform in [0, 1), from the thread's default generator.
     *
     * @param tensor the floating tensor to fill in place
     * @param a the lower bound
     * @param b the upper bound
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating
     */
    public static Tensor uniform_(Tensor tensor, double a, double b) {
        return uniform_(tensor, a, b, Kiln.defaultGenerator());
    }

    /**
     * As {@code torch.nn.init.uniform_(tensor, a, b, generator)}: fills {@code tensor} in place with
     * {@code a + (b − a)·u} for u uniform in [0, 1).
     *
     * @param tensor the floating tensor to fill in place
     * @param a the lower bound
     * @param b the upper bound
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating
     */
    public static Tensor uniform_(Tensor tensor, double a, double b, Generator generator) {
        Tensor u = Tensor.rand(tensor.shape(), floating("uniform_", tensor), generator);
        return write(tensor, u.mul(b - a).add(a));
    }

    /**
     * As {@code torch.nn.init.normal_(tensor)}: fills {@code tensor} in place with N(0, 1) draws from the
     * thread's default generator.
     *
     * @param tensor the floating tensor to fill in place
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating
     */
    public static Tensor normal_(Tensor tensor) {
        return normal_(tensor, 0, 1);
    }

    /**
     * As {@code torch.nn.init.normal_(tensor, mean, std)}: fills {@code tensor} in place with N(mean, std²)
     * draws from the thread's default generator.
     *
     * @param tensor the floating tensor to fill in place
     * @param mean the distribution's mean
     * @param std its standard deviation, at least 0
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating or {@code std} is negative or NaN
     */
    public static Tensor normal_(Tensor tensor, double mean, double std) {
        return normal_(tensor, mean, std, Kiln.defaultGenerator());
    }

    /**
     * As {@code torch.nn.init.normal_(tensor, mean, std, generator)}: fills {@code tensor} in place with
     * N(mean, std²) draws.
     *
     * @param tensor the floating tensor to fill in place
     * @param mean the distribution's mean
     * @param std its standard deviation, at least 0
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating or {@code std} is negative or NaN
     */
    public static Tensor normal_(Tensor tensor, double mean, double std, Generator generator) {
        if (!(std >= 0)) {
            throw new KilnException("normal_: std must be non-negative, got " + std);
        }
        Tensor z = Tensor.randn(tensor.shape(), floating("normal_", tensor), generator);
        // skipped when they are identities, so a standard normal keeps the draw's exact values
        z = std == 1 ? z : z.mul(std);
        return write(tensor, mean == 0 ? z : z.add(mean));
    }

    /**
     * As {@code torch.nn.init.trunc_normal_(tensor)}: N(0, 1) restricted to [−2, 2], from the thread's default
     * generator; see {@link #truncNormal_(Tensor, double, double, double, double, Generator)}.
     *
     * @param tensor the floating tensor to fill in place
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating or is traced inside a compiled function
     */
    public static Tensor truncNormal_(Tensor tensor) {
        return truncNormal_(tensor, 0, 1, -2, 2);
    }

    /**
     * As {@code torch.nn.init.trunc_normal_(tensor, mean, std, a, b)}: N(mean, std²) restricted to [a, b], from
     * the thread's default generator; see {@link #truncNormal_(Tensor, double, double, double, double, Generator)}.
     *
     * @param tensor the floating tensor to fill in place
     * @param mean the untruncated distribution's mean
     * @param std the untruncated distribution's standard deviation, positive
     * @param a the lower bound
     * @param b the upper bound, above {@code a}
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating or is traced inside a compiled function, or
     *     unless {@code std > 0} and {@code a < b}
     */
    public static Tensor truncNormal_(Tensor tensor, double mean, double std, double a, double b) {
        return truncNormal_(tensor, mean, std, a, b, Kiln.defaultGenerator());
    }

    /**
     * As {@code torch.nn.init.trunc_normal_}: fills {@code tensor} in place with N(mean, std²) restricted to
     * [a, b], as PyTorch 1.13 draws it: the inverse normal CDF of a uniform draw between the bounds' CDF values,
     * clamped to [a, b]. Computed on the host in float64, so it cannot run inside a compiled function.
     *
     * @param tensor the floating tensor to fill in place
     * @param mean the untruncated distribution's mean
     * @param std the untruncated distribution's standard deviation, positive
     * @param a the lower bound
     * @param b the upper bound, above {@code a}
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} is not floating or is traced inside a compiled function, or
     *     unless {@code std > 0} and {@code a < b}
     */
    public static Tensor truncNormal_(Tensor tensor, double mean, double std, double a, double b, Generator generator) {
        floating("truncNormal_", tensor);
        concrete("truncNormal_", tensor);
        if (!(std > 0) || !(a < b)) {
            throw new KilnException("truncNormal_: needs std > 0 and a < b, got std=" + std + ", a=" + a + ", b=" + b);
        }
        double lo = 2 * normalCdf((a - mean) / std) - 1;
        double hi = 2 * normalCdf((b - mean) / std) - 1;
        double[] v = Tensor.rand(tensor.shape(), DType.FLOAT64, generator).toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            double x = erfinv(lo + (hi - lo) * v[i]) * (std * Math.sqrt(2.0)) + mean;
            v[i] = Math.min(Math.max(x, a), b);
        }
        return write(tensor, Tensor.fromArray(v, tensor.shape(), DType.FLOAT64));
    }

    // ------------------------------------------------------------------ Xavier (Glorot) and Kaiming (He)

    /**
     * As {@code torch.nn.init.xavier_uniform_(tensor)}: fills {@code tensor} in place with
     * U(±√(6 / (fan_in + fan_out))), from the thread's default generator.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions or is not floating
     */
    public static Tensor xavierUniform_(Tensor tensor) {
        return xavierUniform_(tensor, 1);
    }

    /**
     * As {@code torch.nn.init.xavier_uniform_(tensor, gain)}: fills {@code tensor} in place with
     * U(±gain·√(6 / (fan_in + fan_out))), from the thread's default generator.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param gain the scale factor, for example {@link #calculateGain(String)}
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions or is not floating
     */
    public static Tensor xavierUniform_(Tensor tensor, double gain) {
        return xavierUniform_(tensor, gain, Kiln.defaultGenerator());
    }

    /**
     * As {@code torch.nn.init.xavier_uniform_(tensor, gain, generator)}: fills {@code tensor} in place with
     * U(±gain·√(6 / (fan_in + fan_out))) (fans from {@link #calculateFanInAndFanOut}).
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param gain the scale factor, for example {@link #calculateGain(String)}
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions or is not floating
     */
    public static Tensor xavierUniform_(Tensor tensor, double gain, Generator generator) {
        Fans f = calculateFanInAndFanOut(tensor);
        double std = gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut()));
        double bound = Math.sqrt(3.0) * std;
        return uniform_(tensor, -bound, bound, generator);
    }

    /**
     * As {@code torch.nn.init.xavier_normal_(tensor)}: fills {@code tensor} in place with
     * N(0, 2 / (fan_in + fan_out)), from the thread's default generator.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions or is not floating
     */
    public static Tensor xavierNormal_(Tensor tensor) {
        return xavierNormal_(tensor, 1);
    }

    /**
     * As {@code torch.nn.init.xavier_normal_(tensor, gain)}: fills {@code tensor} in place with
     * N(0, (gain·√(2 / (fan_in + fan_out)))²), from the thread's default generator.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param gain the scale factor, at least 0, for example {@link #calculateGain(String)}
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions or is not floating, or {@code gain} is negative
     */
    public static Tensor xavierNormal_(Tensor tensor, double gain) {
        return xavierNormal_(tensor, gain, Kiln.defaultGenerator());
    }

    /**
     * As {@code torch.nn.init.xavier_normal_(tensor, gain, generator)}: fills {@code tensor} in place with
     * N(0, (gain·√(2 / (fan_in + fan_out)))²) (fans from {@link #calculateFanInAndFanOut}).
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param gain the scale factor, at least 0, for example {@link #calculateGain(String)}
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions or is not floating, or {@code gain} is negative
     */
    public static Tensor xavierNormal_(Tensor tensor, double gain, Generator generator) {
        Fans f = calculateFanInAndFanOut(tensor);
        return normal_(tensor, 0, gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut())), generator);
    }

    /**
     * As {@code torch.nn.init.kaiming_uniform_(tensor)}, with PyTorch's defaults a = 0, fan-in, leaky_relu (so
     * U(±√(6 / fan_in))), from the thread's default generator; a tensor with no elements is left as it is.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has elements and fewer than 2 dimensions, or is not floating
     */
    public static Tensor kaimingUniform_(Tensor tensor) {
        return kaimingUniform_(tensor, 0, FanMode.FAN_IN, "leaky_relu");
    }

    /**
     * U(±gain·√(3 / fan)) with gain {@code calculateGain(nonlinearity, a)} ({@code a}: leaky_relu's slope),
     * as {@code kaiming_uniform_}, from the thread's default generator; a tensor with no elements is left as it is.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param a leaky_relu's negative slope (PyTorch's default 0)
     * @param mode the fan the variance is scaled by
     * @param nonlinearity the {@link #calculateGain(String, double)} name the gain is taken for
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has elements and fewer than 2 dimensions or is not floating, or
     *     {@code nonlinearity} is unknown
     */
    public static Tensor kaimingUniform_(Tensor tensor, double a, FanMode mode, String nonlinearity) {
        return kaimingUniform_(tensor, a, mode, nonlinearity, Kiln.defaultGenerator());
    }

    /**
     * As {@code torch.nn.init.kaiming_uniform_(tensor, a, mode, nonlinearity, generator)}: fills {@code tensor}
     * in place with U(±gain·√(3 / fan)), gain {@code calculateGain(nonlinearity, a)}; a tensor with no elements
     * is left as it is.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param a leaky_relu's negative slope (PyTorch's default 0)
     * @param mode the fan the variance is scaled by
     * @param nonlinearity the {@link #calculateGain(String, double)} name the gain is taken for
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has elements and fewer than 2 dimensions or is not floating, or
     *     {@code nonlinearity} is unknown
     */
    public static Tensor kaimingUniform_(Tensor tensor, double a, FanMode mode, String nonlinearity, Generator generator) {
        if (tensor.numel() == 0) {
            return tensor;
        }
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform_(tensor, -bound, bound, generator);
    }

    /**
     * As {@code torch.nn.init.kaiming_normal_(tensor)}, with PyTorch's defaults a = 0, fan-in, leaky_relu (so
     * std √2 / √fan_in), from the thread's default generator; a tensor with no elements is left as it is.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has elements and fewer than 2 dimensions, or is not floating
     */
    public static Tensor kaimingNormal_(Tensor tensor) {
        return kaimingNormal_(tensor, 0, FanMode.FAN_IN, "leaky_relu");
    }

    /**
     * N(0, (gain / √fan)²) with gain {@code calculateGain(nonlinearity, a)}, as {@code kaiming_normal_}, from
     * the thread's default generator; a tensor with no elements is left as it is.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param a leaky_relu's negative slope (PyTorch's default 0)
     * @param mode the fan the variance is scaled by
     * @param nonlinearity the {@link #calculateGain(String, double)} name the gain is taken for
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has elements and fewer than 2 dimensions or is not floating, or
     *     {@code nonlinearity} is unknown
     */
    public static Tensor kaimingNormal_(Tensor tensor, double a, FanMode mode, String nonlinearity) {
        return kaimingNormal_(tensor, a, mode, nonlinearity, Kiln.defaultGenerator());
    }

    /**
     * As {@code torch.nn.init.kaiming_normal_(tensor, a, mode, nonlinearity, generator)}: fills {@code tensor}
     * in place with N(0, (gain / √fan)²), gain {@code calculateGain(nonlinearity, a)}; a tensor with no elements
     * is left as it is.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param a leaky_relu's negative slope (PyTorch's default 0)
     * @param mode the fan the variance is scaled by
     * @param nonlinearity the {@link #calculateGain(String, double)} name the gain is taken for
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has elements and fewer than 2 dimensions or is not floating, or
     *     {@code nonlinearity} is unknown
     */
    public static Tensor kaimingNormal_(Tensor tensor, double a, FanMode mode, String nonlinearity, Generator generator) {
        if (tensor.numel() == 0) {
            return tensor;
        }
        return normal_(tensor, 0, calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode)), generator);
    }

    private static int fan(Tensor tensor, FanMode mode) {
        Fans f = calculateFanInAndFanOut(tensor);
        return switch (mode) {
            case FAN_IN -> f.fanIn();
            case FAN_OUT -> f.fanOut();
        };
    }

    // ------------------------------------------------------------------ orthogonal

    /**
     * As {@code torch.nn.init.orthogonal_(tensor)}: a (semi-)orthogonal matrix, from the thread's default
     * generator; see {@link #orthogonal_(Tensor, double, Generator)}.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions, is not floating or is traced inside
     *     a compiled function
     */
    public static Tensor orthogonal_(Tensor tensor) {
        return orthogonal_(tensor, 1);
    }

    /**
     * As {@code torch.nn.init.orthogonal_(tensor, gain)}: {@code gain} times a (semi-)orthogonal matrix, from
     * the thread's default generator; see {@link #orthogonal_(Tensor, double, Generator)}.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param gain the scale factor
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions, is not floating or is traced inside
     *     a compiled function
     */
    public static Tensor orthogonal_(Tensor tensor, double gain) {
        return orthogonal_(tensor, gain, Kiln.defaultGenerator());
    }

    /**
     * {@code gain}·Q, where Q comes from the QR factorization of a standard normal [rows, numel / rows]
     * matrix (transposed when it is wide), its columns' signs fixed by R's diagonal so Q is uniformly
     * (Haar) distributed, as {@code orthogonal_}; dimensions after the first are flattened. Computed on the host
     * in float64, so it cannot run inside a compiled function; a tensor with no elements is left as it is.
     *
     * @param tensor the floating tensor to fill in place, of at least 2 dimensions
     * @param gain the scale factor
     * @param generator the generator the values are drawn from
     * @return {@code tensor}, filled
     * @throws KilnException if {@code tensor} has fewer than 2 dimensions, is not floating or is traced inside
     *     a compiled function
     */
    public static Tensor orthogonal_(Tensor tensor, double gain, Generator generator) {
        if (tensor.dim() < 2) {
            throw new KilnException("orthogonal_: only tensors with 2 or more dimensions are supported, got shape " + tensor.shape());
        }
        floating("orthogonal_", tensor);
        concrete("orthogonal_", tensor);
        if (tensor.numel() == 0) {
            return tensor;
        }
        int rows = tensor.size(0);
        int cols = tensor.numel() / rows;
        double[] a = Tensor.randn(Shape.of(rows, cols), DType.FLOAT64, generator).toDoubleArray();
        boolean wide = rows < cols;
        double[] q = wide ? Qr.orthonormalColumns(transpose(a, rows, cols), cols, rows) : Qr.orthonormalColumns(a, rows, cols);
        if (wide) {
            q = transpose(q, cols, rows);
        }
        for (int i = 0; i < q.length; i++) {
            q[i] *= gain;
        }
        return write(tensor, Tensor.fromArray(q, tensor.shape(), DType.FLOAT64));
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    // ------------------------------------------------------------------ helpers

    /** {@code tensor.copy_(values)} outside autograd (converted to its dtype, on its device). */
    private static Tensor write(Tensor tensor, Tensor values) {
        try (var noGrad = Kiln.noGrad()) {
            return tensor.copy_(values.isSymbolic() ? values : values.to(tensor.device()));
        }
    }

    private static DType floating(String fn, Tensor tensor) {
        if (!tensor.dtype().isFloating()) {
            throw new KilnException(fn + ": needs a floating tensor, got " + tensor.dtype());
        }
        return tensor.dtype();
    }

    private static void concrete(String fn, Tensor tensor) {
        if (dev.kiln.internal.Tracing.tracing(List.of(tensor))) {
            throw new KilnException(fn + ": computes its values on the host, so it cannot run inside a compiled function;"
                    + " initialize before Kiln.compile");
        }
    }

    private static double normalCdf(double x) {
        return (1 + Semantics.erf(x / Math.sqrt(2.0))) / 2;
    }

    /** erf⁻¹(y): Giles' single-precision approximation, then two Newton steps on {@link Semantics#erf}. */
    static double erfinv(double y) {
        if (!(Math.abs(y) < 1)) {
            return Math.abs(y) == 1 ? Math.copySign(Double.POSITIVE_INFINITY, y) : Double.NaN;
        }
        double w = -Math.log((1 - y) * (1 + y));
        double p;
        if (w < 5) {
            w -= 2.5;
            p = 2.81022636e-08;
            p = 3.43273939e-07 + p * w;
            p = -3.5233877e-06 + p * w;
            p = -4.39150654e-06 + p * w;
            p = 0.00021858087 + p * w;
            p = -0.00125372503 + p * w;
            p = -0.00417768164 + p * w;
            p = 0.246640727 + p * w;
            p = 1.50140941 + p * w;
        } else {
            w = Math.sqrt(w) - 3;
            p = -0.000200214257;
            p = 0.000100950558 + p * w;
            p = 0.00134934322 + p * w;
            p = -0.00367342844 + p * w;
            p = 0.00573950773 + p * w;
            p = -0.0076224613 + p * w;
            p = 0.00943887047 + p * w;
            p = 1.00167406 + p * w;
            p = 2.83297682 + p * w;
        }
        double x = p * y;
        for (int i = 0; i < 2; i++) {
            double slope = 2 / Math.sqrt(Math.PI) * Math.exp(-x * x);
            if (slope == 0) {
                break;
            }
            x -= (Semantics.erf(x) - y) / slope;
        }
        return x;
    }
}
