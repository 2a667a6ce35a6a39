package dev.kiln;

import java.util.List;

/**
 * A function of tensors to several tensors — a training step that returns its loss and metrics
 * together. {@link Kiln#compileAll} turns one into a {@link CompiledFunction} whose
 * {@link CompiledFunction#callAll} returns every output, each the caller's own copy.
 */
@FunctionalInterface
public interface MultiStep {
    List<Tensor> apply(Tensor... inputs);
}
