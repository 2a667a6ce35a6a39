package dev.kiln;

/**
 * A function of tensors to one tensor — typically a training step that returns the loss. It may
 * call {@code zeroGrad()}, {@code backward()} and {@code optimizer.step()}. {@link Kiln#compile}
 * turns one into a {@link CompiledFunction}, which is a {@code Step} too.
 */
@FunctionalInterface
public interface Step {
    Tensor apply(Tensor... inputs);
}
