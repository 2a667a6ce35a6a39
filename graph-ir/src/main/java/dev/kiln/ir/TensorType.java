package dev.kiln.ir;

import dev.kiln.DType;
import dev.kiln.Shape;

/** The static type of a value in the IR: its shape and element type. */
public record TensorType(Shape shape, DType dtype) {
    public static TensorType of(DType dtype, int... dims) {
        return new TensorType(Shape.of(dims), dtype);
    }

    @Override
    public String toString() {
        return Ops.shortName(dtype) + shape;
    }
}
