package dev.kiln;

import java.util.List;

/**
 * A function of tensors to several tensors — a training step that returns its loss and metrics
 * together. {@link Kiln#compileAll} turns one into a {@link CompiledFunction} whose
 * {@link CompiledFunction#callAll} returns every output, each the caller's own copy.
 */
@FunctionalInterface
public interface MultiStep {
    /**
     * Runs the step.
     *
     * @param inputs the step's input tensors, in the order the step reads them
     * @return the step's outputs, typically the loss first and then metrics
     */
    List<Tensor> apply(Tensor... inputs);
}
