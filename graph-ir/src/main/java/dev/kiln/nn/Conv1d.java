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
    public final Tensor weight;
    /** Null when made without bias. */
    public final Tensor bias;
    private final int inChannels;
    private final int outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final String namedPadding;
    private final int dilation;
    private final int groups;

    /** Stride 1, no padding, bias; the default dtype and generator. */
    public Conv1d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /** Every argument of PyTorch's constructor but the padding mode (zeros). */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias,
            Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, padding, null, dilation, groups, bias, generator, dtype);
    }

    /** With {@code padding} "valid" or "same" (stride 1). */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, String padding, int dilation, int groups, boolean bias,
            Generator generator, DType dtype) {
        this(inChannels, outChannels, kernelSize, stride, 0, padding, dilation, groups, bias, generator, dtype);
    }

    private Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, String namedPadding, int dilation, int groups,
            boolean bias, Generator generator, DType dtype) {
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
        return namedPadding != null ? Functional.conv1d(input, weight, bias, stride, namedPadding, dilation, groups)
                : Functional.conv1d(input, weight, bias, stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=(" + kernelSize + ",), stride=(" + stride + ",)"
                + (namedPadding != null ? ", padding=" + namedPadding : padding != 0 ? ", padding=(" + padding + ",)" : "")
                + (dilation != 1 ? ", dilation=(" + dilation + ",)" : "") + (groups != 1 ? ", groups=" + groups : "")
                + (bias == null ? ", bias=False" : "");
    }
}
