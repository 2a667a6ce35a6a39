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
    public enum FanMode { FAN_IN, FAN_OUT }

    /** A weight's fan-in and fan-out, as {@code _calculate_fan_in_and_fan_out} returns them. */
    public record Fans(int fanIn, int fanOut) {
    }

    private static final List<String> LINEAR_FNS = List.of("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
            "conv_transpose2d", "conv_transpose3d", "sigmoid");

    private Init() {
    }

    /** The recommended gain for {@code nonlinearity} (an {@code nn.functional} name), as {@code calculate_gain}; leaky_relu's slope is 0.01. */
    public static double calculateGain(String nonlinearity) {
        return calculateGain(nonlinearity, 0.01);
    }

    /** {@link #calculateGain(String)} with {@code param} as leaky_relu's negative slope (ignored by the others). */
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

    /** Fills {@code tensor} with {@code value}. */
    public static Tensor constant_(Tensor tensor, double value) {
        try (var noGrad = Kiln.noGrad()) {
            return tensor.fill_(value);
        }
    }

    /** Fills {@code tensor} with 0. */
    public static Tensor zeros_(Tensor tensor) {
        return constant_(tensor, 0);
    }

    /** Fills {@code tensor} with 1. */
    public static Tensor ones_(Tensor tensor) {
        return constant_(tensor, 1);
    }

    // ------------------------------------------------------------------ uniform and normal

    /** U(0, 1). */
    public static Tensor uniform_(Tensor tensor) {
        return uniform_(tensor, 0, 1);
    }

    /** U(a, b): {@code a + (b − a)·u} for u uniform in [0, 1). */
    public static Tensor uniform_(Tensor tensor, double a, double b) {
        return uniform_(tensor, a, b, Kiln.defaultGenerator());
    }

    /** U(a, b) drawn from {@code generator}. */
    public static Tensor uniform_(Tensor tensor, double a, double b, Generator generator) {
        Tensor u = Tensor.rand(tensor.shape(), floating("uniform_", tensor), generator);
        return write(tensor, u.mul(b - a).add(a));
    }

    /** N(0, 1). */
    public static Tensor normal_(Tensor tensor) {
        return normal_(tensor, 0, 1);
    }

    /** N(mean, std²). */
    public static Tensor normal_(Tensor tensor, double mean, double std) {
        return normal_(tensor, mean, std, Kiln.defaultGenerator());
    }

    /** N(mean, std²) drawn from {@code generator}. */
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
     * N(mean, std²) restricted to [a, b], as {@code trunc_normal_}: the inverse normal CDF of a uniform
     * draw between the bounds' CDF values, clamped to [a, b]. Computed on the host in float64.
     */
    public static Tensor truncNormal_(Tensor tensor) {
        return truncNormal_(tensor, 0, 1, -2, 2);
    }

    public static Tensor truncNormal_(Tensor tensor, double mean, double std, double a, double b) {
        return truncNormal_(tensor, mean, std, a, b, Kiln.defaultGenerator());
    }

    /** The truncated normal drawn from {@code generator}. */
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

    /** U(±gain·√(6 / (fan_in + fan_out))), as {@code xavier_uniform_}. */
    public static Tensor xavierUniform_(Tensor tensor) {
        return xavierUniform_(tensor, 1);
    }

    public static Tensor xavierUniform_(Tensor tensor, double gain) {
        return xavierUniform_(tensor, gain, Kiln.defaultGenerator());
    }

    public static Tensor xavierUniform_(Tensor tensor, double gain, Generator generator) {
        Fans f = calculateFanInAndFanOut(tensor);
        double std = gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut()));
        double bound = Math.sqrt(3.0) * std;
        return uniform_(tensor, -bound, bound, generator);
    }

    /** N(0, (gain·√(2 / (fan_in + fan_out)))²), as {@code xavier_normal_}. */
    public static Tensor xavierNormal_(Tensor tensor) {
        return xavierNormal_(tensor, 1);
    }

    public static Tensor xavierNormal_(Tensor tensor, double gain) {
        return xavierNormal_(tensor, gain, Kiln.defaultGenerator());
    }

    public static Tensor xavierNormal_(Tensor tensor, double gain, Generator generator) {
        Fans f = calculateFanInAndFanOut(tensor);
        return normal_(tensor, 0, gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut())), generator);
    }

    /** PyTorch's defaults: a = 0, fan-in, leaky_relu (so gain √2). */
    public static Tensor kaimingUniform_(Tensor tensor) {
        return kaimingUniform_(tensor, 0, FanMode.FAN_IN, "leaky_relu");
    }

    /**
     * U(±gain·√(3 / fan)) with gain {@code calculateGain(nonlinearity, a)} ({@code a}: leaky_relu's slope),
     * as {@code kaiming_uniform_}; a tensor with no elements is left as it is.
     */
    public static Tensor kaimingUniform_(Tensor tensor, double a, FanMode mode, String nonlinearity) {
        return kaimingUniform_(tensor, a, mode, nonlinearity, Kiln.defaultGenerator());
    }

    public static Tensor kaimingUniform_(Tensor tensor, double a, FanMode mode, String nonlinearity, Generator generator) {
        if (tensor.numel() == 0) {
            return tensor;
        }
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform_(tensor, -bound, bound, generator);
    }

    /** PyTorch's defaults: a = 0, fan-in, leaky_relu (so std √2 / √fan_in). */
    public static Tensor kaimingNormal_(Tensor tensor) {
        return kaimingNormal_(tensor, 0, FanMode.FAN_IN, "leaky_relu");
    }

    /** N(0, (gain / √fan)²), as {@code kaiming_normal_}; a tensor with no elements is left as it is. */
    public static Tensor kaimingNormal_(Tensor tensor, double a, FanMode mode, String nonlinearity) {
        return kaimingNormal_(tensor, a, mode, nonlinearity, Kiln.defaultGenerator());
    }

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

    /** A (semi-)orthogonal matrix, as {@code orthogonal_}. */
    public static Tensor orthogonal_(Tensor tensor) {
        return orthogonal_(tensor, 1);
    }

    public static Tensor orthogonal_(Tensor tensor, double gain) {
        return orthogonal_(tensor, gain, Kiln.defaultGenerator());
    }

    /**
     * {@code gain}·Q, where Q comes from the QR factorization of a standard normal [rows, numel / rows]
     * matrix (transposed when it is wide), its columns' signs fixed by R's diagonal so Q is uniformly
     * (Haar) distributed, as {@code orthogonal_}; dimensions after the first are flattened. Float64 on the host.
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
