package dev.kiln;

/**
 * A function of tensors to one tensor — typically a training step that returns the loss. It may
 * call {@code zeroGrad()}, {@code backward()} and {@code optimizer.step()}. {@link Kiln#compile}
 * turns one into a {@link CompiledFunction}, which is a {@code Step} too.
 */
@FunctionalInterface
public interface Step {
    /**
     * Runs the step.
     *
     * @param inputs the step's input tensors, in the order the step reads them
     * @return the step's one output, typically the loss
     */
    Tensor apply(Tensor... inputs);
}
