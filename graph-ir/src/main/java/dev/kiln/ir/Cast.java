package dev.kiln.ir;

import dev.kiln.DType;
import java.util.List;

/** Converts to another dtype (floats to integers truncate toward zero, as PyTorch does). */
public record Cast(DType to) implements Elementwise {
    @Override
    public TensorType infer(List<TensorType> inputs) {
        return new TensorType(inputs.get(0).shape(), to);
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public String attributes() {
        return to.toString();
    }
}
