package dev.kiln.ir;

import dev.kiln.DType;

/**
 * PyTorch's type promotion (see docs/type-promotion.md). Operands fall in three tiers:
 * dimensioned tensors, 0-d tensors, and Java scalars. A lower tier only decides the type when it
 * is of a higher category (bool &lt; integer &lt; floating) than every tier above it; Java scalars
 * are "weak": {@code 2.0 * t} stays float32, {@code 2.5 * intTensor} is float32 (the default float).
 */
public final class Promotion {
    private Promotion() {
    }

    /** Tier of a dimensioned tensor. */
    public static final int DIMENSIONED = 0;
    /** Tier of a 0-d tensor. */
    public static final int ZERO_DIM = 1;
    /** Tier of a Java scalar, or of a 0-d tensor that stands for one (hyper-parameters). */
    public static final int SCALAR = 2;

    /** The result type of an op on two tensors. */
    public static DType of(DType a, boolean aZeroDim, DType b, boolean bZeroDim) {
        return of(a, aZeroDim ? ZERO_DIM : DIMENSIONED, b, bZeroDim ? ZERO_DIM : DIMENSIONED);
    }

    /** The result type of an op on two operands of the given tiers. */
    public static DType of(DType a, int tierA, DType b, int tierB) {
        if (tierA == tierB) {
            return DType.promote(a, b); // scalars among themselves keep full precision, as Python's do
        }
        DType ea = tierA == SCALAR ? DType.defaultOf(a.category()) : a;
        DType eb = tierB == SCALAR ? DType.defaultOf(b.category()) : b;
        return tierA < tierB ? combine(ea, eb) : combine(eb, ea);
    }


    /** The result type of an op on a tensor and a Java scalar (floating if {@code scalarIsFloating}). */
    public static DType withScalar(DType tensor, boolean scalarIsFloating) {
        return combine(tensor, scalarIsFloating ? DType.DEFAULT_FLOAT : DType.DEFAULT_INT);
    }

    /** The higher tier's type unless the lower tier is of a higher category (c10's combine_categories). */
    static DType combine(DType higher, DType lower) {
        if (higher.isFloating()) {
            return higher;
        }
        if (higher == DType.BOOL || lower.isFloating()) {
            return DType.promote(higher, lower);
        }
        return higher;
    }
}
