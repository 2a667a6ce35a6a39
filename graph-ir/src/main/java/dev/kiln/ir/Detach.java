package dev.kiln.ir;

import java.util.List;

/**
 * The identity for values, a constant for gradients (JAX's {@code stop_gradient}): what a traced
 * {@code detach()} records. No gradient flows through it; the passes drop it after differentiation.
 */
public record Detach() implements Op {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        return inputs.get(0);
    }

    @Override
    public int arity() {
        return 1;
    }
}
