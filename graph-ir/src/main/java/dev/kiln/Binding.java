package dev.kiln;

/** What feeds one input slot of a traced graph on every call. */
sealed interface Binding {
    /** The call's argument at {@code index}. */
    record Argument(int index) implements Binding {
    }

    /** A concrete tensor the function read (a parameter, optimizer state, data it closes over), read fresh each call. */
    record Captured(Tensor tensor) implements Binding {
    }
}
