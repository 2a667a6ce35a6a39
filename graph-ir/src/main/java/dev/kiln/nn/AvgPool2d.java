package dev.kiln.nn;

import dev.kiln.Tensor;

/** Average pooling over [N, C, H, W] or [C, H, W], as {@code torch.nn.AvgPool2d} (see {@link Functional#avgPool2d}). */
public final class AvgPool2d extends Module {
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;

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
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Conv2d.tuple(kernelSize) + ", stride=" + Conv2d.tuple(stride) + ", padding=" + Conv2d.tuple(padding);
    }
}
