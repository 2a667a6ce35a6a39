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

    /** Stride = kernel size, no padding. */
    public AvgPool2d(int kernelSize) {
        this(new int[] {kernelSize}, null, new int[] {0}, false, true);
    }

    /** {@code stride} null means the kernel size, as PyTorch's {@code stride=None}. */
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
