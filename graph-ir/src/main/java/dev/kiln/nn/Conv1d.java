package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/**
 * A 1-D convolution over [N, C, L], as {@code torch.nn.Conv1d}: weight [out, in/groups, k] and bias [out],
 * both U(±1/√fan_in) with fan_in = in/groups·k (PyTorch's Kaiming-uniform with a = √5).
 */
public final class Conv1d extends Module {
    /** The kernel, [out_channels, in_channels/groups, k]. */
    public final Tensor weight;
    /** The bias, [out_channels]; null when made without bias. */
    public final Tensor bias;
    private final int inChannels;
    private final int outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final String namedPadding;
    private final int dilation;
    private final int groups;
    private final String paddingMode;

    /**
     * A convolution with stride 1, no padding, bias, the default dtype and generator.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's length, positive
     * @throws KilnException if a channel count or the kernel size is not positive
     */
    public Conv1d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, "zeros", Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * A convolution with every argument of PyTorch's constructor.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's length, positive
     * @param stride the stride (PyTorch's default 1)
     * @param padding the padding on each side (PyTorch's default 0)
     * @param dilation the spacing of kernel elements (PyTorch's default 1)
     * @param groups the number of blocked connections from input to output channels; divides both (PyTorch's default 1)
     * @param bias whether to add a learnable bias (PyTorch's default true)
     * @param paddingMode "zeros" (PyTorch's default), "reflect", "replicate" or "circular"
     * @param generator the random generator that initializes the parameters
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if a channel count, groups or the kernel size is not positive, groups does not divide both
     *         channel counts, the padding mode is unknown or the dtype is not floating
     */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias,
            String paddingMode, Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, padding, null, dilation, groups, bias, paddingMode, generator, dtype);
    }

    /**
     * A convolution with named padding, {@code "valid"} (none) or {@code "same"} (the output as long as the
     * input, stride 1 only; an odd total split with the extra element after, as PyTorch does).
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's length, positive
     * @param stride the stride (PyTorch's default 1); must be 1 with {@code "same"}
     * @param padding {@code "valid"} or {@code "same"}
     * @param dilation the spacing of kernel elements (PyTorch's default 1)
     * @param groups the number of blocked connections from input to output channels; divides both (PyTorch's default 1)
     * @param bias whether to add a learnable bias (PyTorch's default true)
     * @param paddingMode "zeros" (PyTorch's default), "reflect", "replicate" or "circular"
     * @param generator the random generator that initializes the parameters
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if the padding is not "valid" or "same", "same" is asked with a stride other than 1,
     *         or the other arguments are invalid as for the constructor with integer padding
     */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, String padding, int dilation, int groups, boolean bias,
            String paddingMode, Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, 0, padding, dilation, groups, bias, paddingMode, generator, dtype);
    }

    private Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, String namedPadding, int dilation, int groups,
            boolean bias, String paddingMode, Generator generator, DType dtype) {
        Conv2d.checkChannels("Conv1d", inChannels, outChannels, groups, dtype);
        Convolution.positive("Conv1d", "kernel size", kernelSize);
        if ("same".equals(namedPadding)) {
            Convolution.same("Conv1d", new int[] {kernelSize}, new int[] {stride}, new int[] {dilation});
        } else if (namedPadding != null && !namedPadding.equals("valid")) {
            throw new KilnException("Conv1d: padding must be \"valid\" or \"same\" (or an int), got \"" + namedPadding + "\"");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.namedPadding = namedPadding;
        this.dilation = dilation;
        this.groups = groups;
        this.paddingMode = Conv2d.checkedMode("Conv1d", paddingMode);
        int fanIn = inChannels / groups * kernelSize;
        double bound = 1 / Math.sqrt(fanIn);
        this.weight = parameter("weight", Init.uniform_(Tensor.zeros(Shape.of(outChannels, inChannels / groups, kernelSize), dtype),
                -bound, bound, generator));
        this.bias = bias ? parameter("bias", Init.uniform_(Tensor.zeros(Shape.of(outChannels), dtype), -bound, bound, generator)) : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        int channelDim = input.dim() - 2;
        if ((input.dim() != 2 && input.dim() != 3) || input.size(channelDim) != inChannels) {
            throw new KilnException(this + " expects an input [N, " + inChannels + ", L] or [" + inChannels + ", L] (in_channels="
                    + inChannels + "), got shape " + input.shape());
        }
        if (paddingMode.equals("zeros")) {
            return namedPadding != null ? Functional.conv1d(input, weight, bias, stride, namedPadding, dilation, groups)
                    : Functional.conv1d(input, weight, bias, stride, padding, dilation, groups);
        }
        // PyTorch pads in the mode first, then convolves without padding ("same" split as for zeros)
        int[][] p = namedPadding != null ? Convolution.named("Conv1d", namedPadding, new int[] {kernelSize}, new int[] {stride},
                new int[] {dilation}) : new int[][] {{padding}, {padding}};
        Tensor padded = Functional.pad(input, new int[] {p[0][0], p[1][0]}, paddingMode, 0);
        return Functional.conv1d(padded, weight, bias, stride, 0, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=(" + kernelSize + ",), stride=(" + stride + ",)"
                + (namedPadding != null ? ", padding=" + namedPadding : padding != 0 ? ", padding=(" + padding + ",)" : "")
                + (dilation != 1 ? ", dilation=(" + dilation + ",)" : "") + (groups != 1 ? ", groups=" + groups : "")
                + (paddingMode.equals("zeros") ? "" : ", padding_mode=" + paddingMode)
                + (bias == null ? ", bias=False" : "");
    }
}
