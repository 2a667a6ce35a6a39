package dev.kiln.ir;

import dev.kiln.DType;
import java.util.List;

/** Elementwise comparisons of two tensors of the same shape and dtype; the result is bool. */
public sealed interface Compare extends Elementwise {
    @Override
    default TensorType infer(List<TensorType> inputs) {
        Ops.requireSameType(this, inputs.get(0), inputs.get(1));
        return new TensorType(inputs.get(0).shape(), DType.BOOL);
    }

    @Override
    default int arity() {
        return 2;
    }

    record Lt() implements Compare {}

    record Le() implements Compare {}

    record Gt() implements Compare {}

    record Ge() implements Compare {}

    record Eq() implements Compare {}

    record Ne() implements Compare {}
}
