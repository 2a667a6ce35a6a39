package dev.kiln.ir;

import java.util.List;

/** Elementwise functions of one tensor. Transcendentals need a floating input (front ends cast integers first). */
public sealed interface Unary extends Elementwise {
    /** True for functions defined only on floating types. */
    default boolean floatingOnly() {
        return true;
    }

    @Override
    default TensorType infer(List<TensorType> inputs) {
        TensorType t = inputs.get(0);
        if (floatingOnly() ? !t.dtype().isFloating() : t.dtype() == dev.kiln.DType.BOOL) {
            throw Ops.error(this, "is not defined for " + t.dtype() + " tensors");
        }
        return t;
    }

    @Override
    default int arity() {
        return 1;
    }

    record Neg() implements Unary {
        public boolean floatingOnly() {
            return false;
        }
    }

    record Abs() implements Unary {
        public boolean floatingOnly() {
            return false;
        }
    }

    record Exp() implements Unary {}

    record Log() implements Unary {}

    record Sin() implements Unary {}

    record Cos() implements Unary {}

    record Sqrt() implements Unary {}

    /** A primitive because {@code 1 - 2/(exp(2x)+1)} loses all precision near 0. */
    record Tanh() implements Unary {}

    /** The error function (Java has none): {@link Semantics#erf}, to about 1e-16 relative. */
    record Erf() implements Unary {}

    /** log(1 + x), a primitive ({@code Math.log1p}) because {@code log(1 + x)} loses precision near 0. */
    record Log1p() implements Unary {}

    /** exp(x) − 1, a primitive ({@code Math.expm1}) for the same reason. */
    record Expm1() implements Unary {}
}
