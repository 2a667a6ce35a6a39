package dev.kiln.ir;

import dev.kiln.DType;
import java.util.List;

/** {@code cond ? a : b} elementwise; cond is bool, all three of one shape. */
public record Where() implements Elementwise {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        TensorType c = inputs.get(0);
        if (c.dtype() != DType.BOOL) {
            throw Ops.error(this, "needs a bool condition, got " + c.dtype());
        }
        Ops.requireSameType(this, inputs.get(1), inputs.get(2));
        if (!c.shape().equals(inputs.get(1).shape())) {
            throw Ops.error(this, "condition shape " + c.shape() + " differs from value shape " + inputs.get(1).shape());
        }
        return inputs.get(1);
    }

    @Override
    public int arity() {
        return 3;
    }
}
