package dev.kiln.ir;

import dev.kiln.DType;
import dev.kiln.Shape;
import java.util.List;

/** Values with no inputs. Inputs and random draws carry identity (slot, counter offset), so equal-looking leaves never merge. */
public sealed interface Leaf extends Op {
    TensorType type();

    @Override
    default TensorType infer(List<TensorType> inputs) {
        return type();
    }

    @Override
    default int arity() {
        return 0;
    }

    /** A value bound from outside the graph: data, a parameter, a gradient seed. {@code slot} is its identity. */
    record Input(int slot, String label, TensorType type) implements Leaf {
        @Override
        public String attributes() {
            return "#" + slot + " \"" + label + "\"";
        }
    }

    /** A 0-d constant; broadcast it with {@code Expand}. */
    record Constant(double value, DType dtype) implements Leaf {
        public TensorType type() {
            return new TensorType(Shape.scalar(), dtype);
        }

        @Override
        public String name() {
            return "const";
        }

        @Override
        public String attributes() {
            return dtype.isIntegral() ? Long.toString((long) value) : Double.toString(value);
        }
    }

    /** How a random draw maps uniform bits to values. */
    enum Distribution { UNIFORM, NORMAL }

    /** Random values from the counter-based generator at ({@code seed}, {@code offset}); the offset is its identity. */
    record Random(Distribution distribution, long seed, long offset, TensorType type) implements Leaf {
        @Override
        public String attributes() {
            return distribution.name().toLowerCase() + " seed=" + seed + " offset=" + offset;
        }
    }
}
