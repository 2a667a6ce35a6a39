package dev.kiln.nn;

import dev.kiln.Tensor;

/** Applies {@code Tensor.relu} elementwise, as {@code torch.nn.ReLU}. */
public final class ReLU extends Module {
    /** Creates the module; it has no parameters. */
    public ReLU() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.relu();
    }
}
