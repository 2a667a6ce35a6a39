package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.Arrays;

/**
 * A 2-D convolution over [N, C, H, W], as {@code torch.nn.Conv2d}: weight [out, in/groups, kH, kW] and bias
 * [out], both U(±1/√fan_in) with fan_in = in/groups·kH·kW (PyTorch's Kaiming-uniform with a = √5).
 */
public final class Conv2d extends Module {
    public final Tensor weight;
    /** Null when made without bias. */
    public final Tensor bias;
    private final int inChannels;
    private final int outChannels;
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final String namedPadding;
    private final int[] dilation;
    private final int groups;

    /** Stride 1, no padding, bias; the default dtype and generator. */
    public Conv2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1}, 1, true,
                Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /** Every argument of PyTorch's constructor but the padding mode (zeros); sizes of one value apply to both dimensions. */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups,
            boolean bias, Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, Convolution.pair("padding", padding), null, dilation, groups, bias, generator, dtype);
    }

    /** With {@code padding} "valid" or "same" (stride 1). */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, String padding, int[] dilation, int groups,
            boolean bias, Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, null, padding, dilation, groups, bias, generator, dtype);
    }

    private Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, String namedPadding, int[] dilation,
            int groups, boolean bias, Generator generator, DType dtype) {
        this.kernelSize = Convolution.pair("kernelSize", kernelSize);
        this.stride = Convolution.pair("stride", stride);
        this.dilation = Convolution.pair("dilation", dilation);
        checkChannels("Conv2d", inChannels, outChannels, groups, dtype);
        if ("same".equals(namedPadding)) {
            Convolution.same("Conv2d", this.kernelSize, this.stride, this.dilation);
        } else if (namedPadding != null && !namedPadding.equals("valid")) {
            throw new KilnException("Conv2d: padding must be \"valid\" or \"same\" (or ints), got \"" + namedPadding + "\"");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.padding = padding;
        this.namedPadding = namedPadding;
        this.groups = groups;
        int fanIn = inChannels / groups * this.kernelSize[0] * this.kernelSize[1];
        double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
        Shape shape = Shape.of(outChannels, inChannels / groups, this.kernelSize[0], this.kernelSize[1]);
        this.weight = parameter("weight", Init.uniform_(Tensor.zeros(shape, dtype), -bound, bound, generator));
        this.bias = bias ? parameter("bias", Init.uniform_(Tensor.zeros(Shape.of(outChannels), dtype), -bound, bound, generator)) : null;
    }

    /** PyTorch's constructor checks: positive channels and groups dividing both, a floating dtype. */
    static void checkChannels(String layer, int in, int out, int groups, DType dtype) {
        if (in <= 0 || out <= 0 || groups <= 0) {
            throw new KilnException(layer + ": in_channels, out_channels and groups must be positive, got " + in + ", " + out + ", " + groups);
        }
        if (in % groups != 0) {
            throw new KilnException(layer + ": in_channels must be divisible by groups, got in_channels=" + in + ", groups=" + groups);
        }
        if (out % groups != 0) {
            throw new KilnException(layer + ": out_channels must be divisible by groups, got out_channels=" + out + ", groups=" + groups);
        }
        if (dtype == null || !dtype.isFloating()) {
            throw new KilnException(layer + ": parameters must be floating, got dtype " + dtype);
        }
    }

    @Override
    public Tensor forward(Tensor input) {
        int channelDim = input.dim() - 3;
        if ((input.dim() != 3 && input.dim() != 4) || input.size(channelDim) != inChannels) {
            throw new KilnException(this + " expects an input [N, " + inChannels + ", H, W] or [" + inChannels + ", H, W] (in_channels="
                    + inChannels + "), got shape " + input.shape());
        }
        return namedPadding != null ? Functional.conv2d(input, weight, bias, stride, namedPadding, dilation, groups)
                : Functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=" + tuple(kernelSize) + ", stride=" + tuple(stride)
                + (namedPadding != null ? ", padding=" + namedPadding : padding[0] != 0 || padding[1] != 0 ? ", padding=" + tuple(padding) : "")
                + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + tuple(dilation) : "")
                + (groups != 1 ? ", groups=" + groups : "") + (bias == null ? ", bias=False" : "");
    }

    static String tuple(int[] v) {
        return Arrays.toString(v).replace('[', '(').replace(']', ')');
    }
}
