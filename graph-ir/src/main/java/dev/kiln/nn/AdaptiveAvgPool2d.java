package dev.kiln.nn;

import dev.kiln.Tensor;

/** Average pooling to a fixed output size, as {@code torch.nn.AdaptiveAvgPool2d} (see {@link Functional#adaptiveAvgPool2d}). */
public final class AdaptiveAvgPool2d extends Module {
    private final int[] outputSize;
    /** The size as given, for {@link #extraRepr()}. */
    private final String given;

    /** A square output. */
    public AdaptiveAvgPool2d(int outputSize) {
        this(new int[] {outputSize});
    }

    /** {@code outputSize} of one or two values; −1 keeps the input's size there (PyTorch's None). */
    public AdaptiveAvgPool2d(int[] outputSize) {
        this.outputSize = Convolution.pair("outputSize", outputSize);
        this.given = Repr.intOrTuple(outputSize);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.adaptiveAvgPool2d(input, outputSize);
    }

    @Override
    protected String extraRepr() {
        return "output_size=" + given;
    }
}
