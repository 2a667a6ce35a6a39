package dev.kiln.nn;

import dev.kiln.Tensor;

/** Average pooling to a fixed output size, as {@code torch.nn.AdaptiveAvgPool2d} (see {@link Functional#adaptiveAvgPool2d}). */
public final class AdaptiveAvgPool2d extends Module {
    private final int[] outputSize;
    /** The size as given, for {@link #extraRepr()}. */
    private final String given;

    /**
     * Pooling to a square output.
     *
     * @param outputSize the output's height and width; −1 keeps the input's size
     */
    public AdaptiveAvgPool2d(int outputSize) {
        this(new int[] {outputSize});
    }

    /**
     * Pooling to an output of {@code outputSize}.
     *
     * @param outputSize one value (height and width) or two (height, width); −1 keeps the input's size there (PyTorch's None)
     * @throws dev.kiln.KilnException if {@code outputSize} does not have one or two values
     */
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
