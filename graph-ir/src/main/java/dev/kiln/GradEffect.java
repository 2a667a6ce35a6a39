package dev.kiln;

/** How a traced call leaves one tensor's {@code grad()}, applied after the plan has run completely. */
sealed interface GradEffect {
    Tensor tensor();

    /** The gradient is cleared. */
    record Clear(Tensor tensor) implements GradEffect {
    }

    /** The gradient takes the plan's output {@code output}. */
    record FromOutput(Tensor tensor, int output) implements GradEffect {
    }

    /** The gradient is set to a concrete tensor the function handed it. */
    record SetTo(Tensor tensor, Tensor value) implements GradEffect {
    }
}
