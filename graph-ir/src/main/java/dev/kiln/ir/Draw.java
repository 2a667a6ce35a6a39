package dev.kiln.ir;

import dev.kiln.DType;
import java.util.List;

/**
 * Random values whose generator seed and counter offset are inputs (int64 scalars), so a compiled
 * step draws new numbers on every call — the same numbers eager code would draw. Eager draws use
 * {@link Leaf.Random}, whose seed and offset are attributes.
 */
public record Draw(Leaf.Distribution distribution, TensorType type) implements Op {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        for (TensorType t : inputs) {
            if (t.dtype() != DType.INT64 || t.shape().rank() != 0) {
                throw Ops.error(this, "needs int64 scalars for seed and offset, got " + inputs);
            }
        }
        return type;
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public String attributes() {
        return distribution.name().toLowerCase() + " " + type;
    }
}
