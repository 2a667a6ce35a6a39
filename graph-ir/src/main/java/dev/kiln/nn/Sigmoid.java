package dev.kiln.nn;

import dev.kiln.Tensor;

/** Applies {@code Tensor.sigmoid} elementwise, as {@code torch.nn.Sigmoid}. */
public final class Sigmoid extends Module {
    /** Creates the module; it has no parameters. */
    public Sigmoid() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.sigmoid();
    }
}
