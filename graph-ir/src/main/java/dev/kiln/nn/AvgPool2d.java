package dev.kiln.nn;

import dev.kiln.Tensor;

/** Average pooling over [N, C, H, W] or [C, H, W], as {@code torch.nn.AvgPool2d} (see {@link Functional#avgPool2d}). */
public final class AvgPool2d extends Module {
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;
    /** The sizes as given (an int or a pair), for {@link #extraRepr()}. */
    private final String given;

    /**
     * Pooling with stride = kernel size, no padding, floor mode, the padding counted.
     *
     * @param kernelSize the window's height and width
     */
    public AvgPool2d(int kernelSize) {
        this(new int[] {kernelSize}, null, new int[] {0}, false, true);
    }

    /**
     * Pooling with every argument of PyTorch's constructor but {@code divisor_override}; sizes of one value apply
     * to both dimensions.
     *
     * @param kernelSize the window's size, one or two values
     * @param stride the stride, one or two values; null for the kernel size (PyTorch's default {@code stride=None})
     * @param padding the implicit zeros on each side, one or two values, at most half the kernel (PyTorch's default 0)
     * @param ceilMode whether the output size rounds up rather than down (PyTorch's default false)
     * @param countIncludePad whether the zero padding counts in the divisor (PyTorch's default true)
     * @throws dev.kiln.KilnException if a size does not have one or two values
     */
    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this.kernelSize = Convolution.pair("kernelSize", kernelSize);
        this.stride = stride == null ? this.kernelSize : Convolution.pair("stride", stride);
        this.padding = Convolution.pair("padding", padding);
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.given = "kernel_size=" + Repr.intOrTuple(kernelSize) + ", stride=" + Repr.intOrTuple(stride == null ? kernelSize : stride)
                + ", padding=" + Repr.intOrTuple(padding);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    @Override
    protected String extraRepr() {
        return given;
    }
}
