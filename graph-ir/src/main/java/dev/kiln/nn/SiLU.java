package dev.kiln.nn;

import dev.kiln.Tensor;

/** x·sigmoid(x), as {@code torch.nn.SiLU}. */
public final class SiLU extends Module {
    /** Creates the module; it has no parameters. */
    public SiLU() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.silu(input);
    }
}
