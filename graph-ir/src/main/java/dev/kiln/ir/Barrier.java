package dev.kiln.ir;

import java.util.List;

/**
 * The identity, but not differentiable: differentiating through it fails with {@code reason}. It
 * wraps the gradients of a once-differentiable custom function, so a second derivative fails clearly.
 */
public record Barrier(String reason) implements Op {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        return inputs.get(0);
    }

    @Override
    public int arity() {
        return 1;
    }
}
