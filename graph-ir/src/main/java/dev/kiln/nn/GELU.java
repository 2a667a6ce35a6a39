package dev.kiln.nn;

import dev.kiln.Tensor;

/** As {@code torch.nn.GELU(approximate)}: exact ("none", the default) or the tanh approximation. */
public final class GELU extends Module {
    private final String approximate;

    /** The exact GELU, x·Φ(x) with {@code erf}. */
    public GELU() {
        this("none");
    }

    /**
     * GELU in the given form.
     *
     * @param approximate {@code "none"} for the exact form (PyTorch's default) or {@code "tanh"} for the tanh approximation
     * @throws dev.kiln.KilnException if {@code approximate} is neither
     */
    public GELU(String approximate) {
        Functional.gelu(Tensor.zeros(1), approximate); // refuses an unknown form now, not at the first forward
        this.approximate = approximate;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.gelu(input, approximate);
    }

    @Override
    protected String extraRepr() {
        return "approximate='" + approximate + "'";
    }
}
