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
    /** The kernel, [in_channels, out_channels/groups, kH, kW]. */
    public final Tensor weight;
    /** The bias, [out_channels]; null when made without bias. */
    public final Tensor bias;
    private final int inChannels;
    private final int outChannels;
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final int[] outputPadding;
    private final int groups;
    private final int[] dilation;

    /**
     * A transposed convolution with stride 1, no padding, bias, the default dtype and generator.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's height and width, positive
     * @throws KilnException if a channel count or the kernel size is not positive
     */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 0);
    }

    /**
     * A transposed convolution with the given stride and paddings (the same for height and width), bias, no
     * dilation, one group, the default dtype and generator.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's height and width, positive
     * @param stride the stride (PyTorch's default 1)
     * @param padding the implicit zero padding {@code dilation·(k-1)-padding} added to each side of the input (PyTorch's default 0)
     * @param outputPadding the size added to one side of each output dimension (PyTorch's default 0)
     * @throws KilnException if a channel count or the kernel size is not positive
     */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int outputPadding) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {outputPadding}, 1, true,
                new int[] {1}, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * A transposed convolution with every argument of PyTorch's constructor, in its order, but the padding mode
     * (always zeros); sizes of one value apply to both dimensions.
     *
     * @param inChannels the input's channels C
     * @param outChannels the output's channels
     * @param kernelSize the kernel's size, {@code {k}} or {@code {kH, kW}}, positive
     * @param stride the stride, one or two values (PyTorch's default 1)
     * @param padding the implicit zero padding {@code dilation·(k-1)-padding} added to each side of the input,
     *        one or two values (PyTorch's default 0)
     * @param outputPadding the size added to one side of each output dimension, one or two values (PyTorch's default 0)
     * @param groups the number of blocked connections from input to output channels; divides both (PyTorch's default 1)
     * @param bias whether to add a learnable bias (PyTorch's default true)
     * @param dilation the spacing of kernel elements, one or two values (PyTorch's default 1)
     * @param generator the random generator that initializes the parameters
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if a channel count, groups or the kernel size is not positive, groups does not divide both
     *         channel counts, a size does not have one or two values or the dtype is not floating
     */
    public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding,
            int groups, boolean bias, int[] dilation, Generator generator, DType dtype) {
        Conv2d.checkChannels("ConvTranspose2d", inChannels, outChannels, groups, dtype);
        this.kernelSize = Convolution.pair("kernelSize", kernelSize);
        for (int k : this.kernelSize) {
            Convolution.positive("ConvTranspose2d", "kernel size", k);
        }
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
