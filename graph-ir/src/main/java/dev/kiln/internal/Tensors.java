package dev.kiln.internal;

import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;

/**
 * A tensor's storage and layout, for Kiln's own packages (io, data, distributed, the runtimes and
 * their tests): {@code Tensor} keeps them package-private and installs this access when its class is
 * initialized (the pattern of {@link Tracing}), so the user API hands out no backend types.
 */
public final class Tensors {
    /** What {@code Tensor} provides; see the static methods. */
    public interface Access {
        TensorData data(Tensor t);

        Tensor wrap(TensorData data);
    }

    private static volatile Access access;

    private Tensors() {
    }

    /** Called once by {@code Tensor}'s class initializer. */
    public static void install(Access a) {
        access = a;
    }

    private static Access access() {
        if (access == null) {
            Bridge.initialize("dev.kiln.Tensor");
        }
        return access;
    }

    /** Storage and layout of a concrete tensor, shared with every view of the same storage. */
    public static TensorData data(Tensor t) {
        return access().data(t);
    }

    /** A CPU tensor over existing storage and layout (a backend's result, or a view it made). */
    public static Tensor wrap(TensorData data) {
        return access().wrap(data);
    }
}
