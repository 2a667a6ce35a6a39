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

    /**
     * Pooling with stride = kernel size, no padding, no dilation, floor mode.
     *
     * @param kernelSize the window's height and width
     */
    public MaxPool2d(int kernelSize) {
        this(new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    /**
     * Pooling with every argument of PyTorch's constructor but {@code return_indices} (see {@link #forwardWithIndices});
     * sizes of one value apply to both dimensions.
     *
     * @param kernelSize the window's size, one or two values
     * @param stride the stride, one or two values; null for the kernel size (PyTorch's default {@code stride=None})
     * @param padding the implicit −∞ padding on each side, one or two values, at most half the kernel (PyTorch's default 0)
     * @param dilation the spacing of window elements, one or two values (PyTorch's default 1)
     * @param ceilMode whether the output size rounds up rather than down (PyTorch's default false)
     * @throws dev.kiln.KilnException if a size does not have one or two values
     */
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

    /**
     * The values and the flat h·W + w index of each maximum, as PyTorch's {@code return_indices=True}.
     *
     * @param input the input, [N, C, H, W] or [C, H, W]
     * @return two tensors of the output's shape: the maxima, and their int64 indices in each input plane
     * @throws dev.kiln.KilnException if the input is not 3-D or 4-D, or the sizes do not fit it
     */
    public java.util.List<Tensor> forwardWithIndices(Tensor input) {
        return Functional.maxPool2dWithIndices(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    @Override
    protected String extraRepr() {
        return given + ", ceil_mode=" + (ceilMode ? "True" : "False");
    }
}
