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
    /** The kernel, [out_channels, in_channels/groups, kH, kW]. */
    public final Tensor weight;
    /** The bias, [out_channels]; null when made without bias. */
    public final Tensor bias;
    private final int inChannels;
    private final int outChannels;
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final String namedPadding;
    private final int[] dilation;
    private final int groups;
    private final String paddingMode;

    /**
     * A convolution with stride 1, no padding, bias, the default dtype and generator.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's height and width, positive
     * @throws KilnException if a channel count or the kernel size is not positive
     */
    public Conv2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    /**
     * A convolution with the given stride and zero padding (the same for height and width), bias, no
     * dilation, one group, the default dtype and generator.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's height and width, positive
     * @param stride the stride (PyTorch's default 1)
     * @param padding the zeros added on each side of both spatial dimensions (PyTorch's default 0)
     * @throws KilnException if a channel count or the kernel size is not positive
     */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1}, 1, true,
                "zeros", Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * A convolution with every argument of PyTorch's constructor; sizes of one value apply to both dimensions.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's size, {@code {k}} or {@code {kH, kW}}, positive
     * @param stride the stride, one or two values (PyTorch's default 1)
     * @param padding the padding on each side, one or two values (PyTorch's default 0)
     * @param dilation the spacing of kernel elements, one or two values (PyTorch's default 1)
     * @param groups the number of blocked connections from input to output channels; divides both (PyTorch's default 1)
     * @param bias whether to add a learnable bias (PyTorch's default true)
     * @param paddingMode "zeros" (PyTorch's default), "reflect", "replicate" or "circular"
     * @param generator the random generator that initializes the parameters
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if a channel count, groups or the kernel size is not positive, groups does not divide both
     *         channel counts, a size does not have one or two values, the padding mode is unknown or the dtype is not floating
     */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups,
            boolean bias, String paddingMode, Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, Convolution.pair("padding", padding), null, dilation, groups, bias, paddingMode,
                generator, dtype);
    }

    /**
     * A convolution with named padding, {@code "valid"} (none) or {@code "same"} (the output as large as the
     * input, stride 1 only; an odd total split with the extra row and column after, as PyTorch does).
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's size, {@code {k}} or {@code {kH, kW}}, positive
     * @param stride the stride, one or two values (PyTorch's default 1); must be 1 with {@code "same"}
     * @param padding {@code "valid"} or {@code "same"}
     * @param dilation the spacing of kernel elements, one or two values (PyTorch's default 1)
     * @param groups the number of blocked connections from input to output channels; divides both (PyTorch's default 1)
     * @param bias whether to add a learnable bias (PyTorch's default true)
     * @param paddingMode "zeros" (PyTorch's default), "reflect", "replicate" or "circular"
     * @param generator the random generator that initializes the parameters
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if the padding is not "valid" or "same", "same" is asked with a stride other than 1,
     *         or the other arguments are invalid as for the constructor with integer padding
     */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, String padding, int[] dilation, int groups,
            boolean bias, String paddingMode, Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, null, padding, dilation, groups, bias, paddingMode, generator, dtype);
    }

    private Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, String namedPadding, int[] dilation,
            int groups, boolean bias, String paddingMode, Generator generator, DType dtype) {
        this.kernelSize = Convolution.pair("kernelSize", kernelSize);
        for (int k : this.kernelSize) {
            Convolution.positive("Conv2d", "kernel size", k);
        }
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
        this.paddingMode = Conv2d.checkedMode("Conv2d", paddingMode);
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
        if (paddingMode.equals("zeros")) {
            return namedPadding != null ? Functional.conv2d(input, weight, bias, stride, namedPadding, dilation, groups)
                    : Functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
        }
        // PyTorch pads in the mode first, then convolves without padding ("same" split as for zeros)
        int[][] p = namedPadding != null ? Convolution.named("Conv2d", namedPadding, kernelSize, stride, dilation)
                : new int[][] {padding, padding};
        Tensor padded = Functional.pad(input, new int[] {p[0][1], p[1][1], p[0][0], p[1][0]}, paddingMode, 0);
        return Functional.conv2d(padded, weight, bias, stride, new int[] {0}, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=" + tuple(kernelSize) + ", stride=" + tuple(stride)
                + (namedPadding != null ? ", padding=" + namedPadding : padding[0] != 0 || padding[1] != 0 ? ", padding=" + tuple(padding) : "")
                + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + tuple(dilation) : "")
                + (groups != 1 ? ", groups=" + groups : "")
                + (paddingMode.equals("zeros") ? "" : ", padding_mode=" + paddingMode) + (bias == null ? ", bias=False" : "");
    }

    /** PyTorch's padding modes. */
    static String checkedMode(String layer, String mode) {
        if (!java.util.List.of("zeros", "reflect", "replicate", "circular").contains(mode)) {
            throw new KilnException(layer + ": padding_mode must be one of [zeros, reflect, replicate, circular], but got padding_mode='"
                    + mode + "'");
        }
        return mode;
    }

    static String tuple(int[] v) {
        return Arrays.toString(v).replace('[', '(').replace(']', ')');
    }
}
