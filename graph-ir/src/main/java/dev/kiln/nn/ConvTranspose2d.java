package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/**
 * A transposed 2-D convolution, as {@code torch.nn.ConvTranspose2d}: weight [in, out/groups, kH, kW] and
 * bias [out], both U(±1/√fan_in) with fan_in = out/groups·kH·kW (PyTorch computes it from the weight's shape).
 */
public final class ConvTranspose2d extends Module {
    public final Tensor weight;
    /** Null when made without bias. */
    public final Tensor bias;
    private final int inChannels;
    private final int outChannels;
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final int[] outputPadding;
    private final int groups;
    private final int[] dilation;

    /** Stride 1, no padding, bias; the default dtype and generator. */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 0);
    }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int outputPadding) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {outputPadding}, 1, true,
                new int[] {1}, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /** Every argument of PyTorch's constructor, in its order, but the padding mode (zeros). */
    public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding,
            int groups, boolean bias, int[] dilation, Generator generator, DType dtype) {
        Conv2d.checkChannels("ConvTranspose2d", inChannels, outChannels, groups, dtype);
        this.kernelSize = Convolution.pair("kernelSize", kernelSize);
        this.stride = Convolution.pair("stride", stride);
        this.padding = Convolution.pair("padding", padding);
        this.outputPadding = Convolution.pair("outputPadding", outputPadding);
        this.dilation = Convolution.pair("dilation", dilation);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        int fanIn = outChannels / groups * this.kernelSize[0] * this.kernelSize[1];
        double bound = 1 / Math.sqrt(fanIn);
        Shape shape = Shape.of(inChannels, outChannels / groups, this.kernelSize[0], this.kernelSize[1]);
        this.weight = parameter("weight", Init.uniform_(Tensor.zeros(shape, dtype), -bound, bound, generator));
        this.bias = bias ? parameter("bias", Init.uniform_(Tensor.zeros(Shape.of(outChannels), dtype), -bound, bound, generator)) : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        int channelDim = input.dim() - 3;
        if ((input.dim() != 3 && input.dim() != 4) || input.size(channelDim) != inChannels) {
            throw new KilnException(this + " expects an input [N, " + inChannels + ", H, W] or [" + inChannels + ", H, W] (in_channels="
                    + inChannels + "), got shape " + input.shape());
        }
        return Functional.convTranspose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=" + Conv2d.tuple(kernelSize) + ", stride=" + Conv2d.tuple(stride)
                + (padding[0] != 0 || padding[1] != 0 ? ", padding=" + Conv2d.tuple(padding) : "")
                + (outputPadding[0] != 0 || outputPadding[1] != 0 ? ", output_padding=" + Conv2d.tuple(outputPadding) : "")
                + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + Conv2d.tuple(dilation) : "")
                + (groups != 1 ? ", groups=" + groups : "") + (bias == null ? ", bias=False" : "");
    }
}
