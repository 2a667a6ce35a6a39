package dev.kiln.nn;

import dev.kiln.Tensor;

/** Applies {@code Tensor.tanh} elementwise, as {@code torch.nn.Tanh}. */
public final class Tanh extends Module {
    /** Creates the module; it has no parameters. */
    public Tanh() {
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.tanh();
    }
}
