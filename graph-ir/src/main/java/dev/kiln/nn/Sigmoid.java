package dev.kiln.nn;

import dev.kiln.Tensor;

/** Applies {@code Tensor.sigmoid} elementwise, as {@code torch.nn.Sigmoid}. */
public final class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return input.sigmoid();
    }
}
