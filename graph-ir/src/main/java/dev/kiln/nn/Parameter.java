package dev.kiln.nn;

import dev.kiln.KilnException;
import dev.kiln.Tensor;

/** Makes module parameters, as {@code torch.nn.Parameter}: a leaf that requires grad, sharing the given tensor's storage. */
public final class Parameter {
    private Parameter() {
    }

    /**
     * Makes a parameter from {@code data}: detached from any graph, sharing its storage, requiring grad.
     *
     * @param data a floating tensor
     * @return a new leaf tensor that requires grad
     * @throws KilnException if {@code data} is not floating
     */
    public static Tensor of(Tensor data) {
        if (!data.dtype().isFloating()) {
            throw new KilnException("a parameter must be a floating tensor, got " + data.dtype());
        }
        return data.detach().requiresGrad_(true);
    }
}
