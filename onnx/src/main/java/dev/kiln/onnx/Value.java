package dev.kiln.onnx;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/**
 * A value flowing through an imported graph: a Kiln tensor, or a {@link Folded} constant known while the graph
 * is built (shapes, shape arithmetic, small constants), which never enters the traced graph as an op.
 */
sealed interface Value permits Value.Live, Folded {

    /** A Kiln tensor: a parameter, a graph input, or the result of a Kiln op (symbolic while tracing). */
    record Live(Tensor tensor) implements Value {
        @Override
        public DType dtype() {
            return tensor.dtype();
        }

        @Override
        public Shape shape() {
            return tensor.shape();
        }
    }

    /** The value's dtype. */
    DType dtype();

    /** The value's shape. */
    Shape shape();

    /** This value as a Kiln tensor on {@code device}. */
    default Tensor tensor(Device device) {
        return switch (this) {
            case Live l -> l.tensor();
            case Folded f -> {
                Tensor t = Tensor.fromArray(f.values(), f.shape(), f.dtype());
                yield device == null || t.device().equals(device) ? t : t.to(device);
            }
        };
    }

    /** This value as a folded constant, or an error naming {@code what} when it depends on the graph's data. */
    default Folded folded(String what) {
        return switch (this) {
            case Folded f -> f;
            case Live l -> throw new KilnException(what + " must be known when the graph is built (a constant or "
                    + "computed from shapes), but it depends on the input data");
        };
    }

    static Value of(Tensor t) {
        return new Live(t);
    }
}
