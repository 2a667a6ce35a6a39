package dev.kiln.nn;

import dev.kiln.Tensor;

/** Max pooling over [N, C, H, W] or [C, H, W], as {@code torch.nn.MaxPool2d} (see {@link Functional#maxPool2d}). */
public final class MaxPool2d extends Module {
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;
    /** The sizes as given (an int or a pair), for {@link #extraRepr()}. */
    private final String given;

    /** Stride = kernel size, no padding. */
    public MaxPool2d(int kernelSize) {
        this(new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    /** {@code stride} null means the kernel size, as PyTorch's {@code stride=None}. */
    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernelSize = Convolution.pair("kernelSize", kernelSize);
        this.stride = stride == null ? this.kernelSize : Convolution.pair("stride", stride);
        this.padding = Convolution.pair("padding", padding);
        this.dilation = Convolution.pair("dilation", dilation);
        this.ceilMode = ceilMode;
        this.given = "kernel_size=" + Repr.intOrTuple(kernelSize) + ", stride=" + Repr.intOrTuple(stride == null ? kernelSize : stride)
                + ", padding=" + Repr.intOrTuple(padding) + ", dilation=" + Repr.intOrTuple(dilation);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** The values and the flat h·W + w index of each maximum, as PyTorch's {@code return_indices=True}. */
    public java.util.List<Tensor> forwardWithIndices(Tensor input) {
        return Functional.maxPool2dWithIndices(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    @Override
    protected String extraRepr() {
        return given + ", ceil_mode=" + (ceilMode ? "True" : "False");
    }
}
