package dev.kiln.nn;

import dev.kiln.Tensor;

/** As {@code torch.nn.GELU(approximate)}: exact ("none", the default) or the tanh approximation. */
public final class GELU extends Module {
    private final String approximate;

    public GELU() {
        this("none");
    }

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
