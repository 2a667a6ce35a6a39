package dev.kiln.ir;

import dev.kiln.DType;
import java.util.List;

/** Elementwise functions of two tensors of the same shape and dtype. */
public sealed interface Binary extends Elementwise {
    @Override
    default TensorType infer(List<TensorType> inputs) {
        TensorType a = inputs.get(0);
        TensorType b = inputs.get(1);
        Ops.requireSameType(this, a, b);
        if (a.dtype() == DType.BOOL || (this instanceof Div && !a.dtype().isFloating())) {
            throw Ops.error(this, "is not defined for " + a.dtype() + " tensors");
        }
        return a;
    }

    @Override
    default int arity() {
        return 2;
    }

    record Add() implements Binary {}

    record Sub() implements Binary {}

    record Mul() implements Binary {}

    /** True division; floating types only (front ends cast integers, as PyTorch's {@code /} does). */
    record Div() implements Binary {}

    /** {@code a^b}, exact for integer exponents of negative bases (never {@code exp(b log a)}). */
    record Pow() implements Binary {
        /**
         * Whether an eager power compiles {@code exponent} into its kernel and its gradient plan as a
         * constant (so the loops multiply instead of calling {@code pow} per element): a whole number
         * from 1 to 16. Each such value gets plans of its own, so the range stays small.
         */
        public static boolean compiledExponent(double exponent) {
            return exponent == Math.rint(exponent) && exponent >= 1 && exponent <= 16;
        }
    }

    /** Elementwise maximum; NaN propagates. */
    record Maximum() implements Binary {}

    /** Elementwise minimum; NaN propagates. */
    record Minimum() implements Binary {}
}
