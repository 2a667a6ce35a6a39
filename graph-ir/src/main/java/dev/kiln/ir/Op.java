package dev.kiln.ir;

import java.util.List;

/**
 * A primitive operation: attributes only, as a record. Every backend switches over this sealed
 * hierarchy, so adding a primitive fails to compile until every stage handles it. Binary ops and
 * {@code Where} take inputs of one shape and dtype: front ends insert {@code Expand} and
 * {@code Cast} nodes for broadcasting and promotion, so the backends never broadcast implicitly.
 */
public sealed interface Op permits Leaf, Elementwise, Reduce, Movement, MatMul, Call, Barrier, Detach, Draw, Index, Collective, Attend {

    /** The result type for these input types; throws {@link dev.kiln.KilnException} naming the op on a mismatch. */
    TensorType infer(List<TensorType> inputs);

    /** Number of inputs. */
    int arity();

    /** Lower-case name used in the text form and in error messages. */
    default String name() {
        return Names.NAMES.get(getClass());
    }

    /** Attributes in the text form, or "" for none. */
    default String attributes() {
        return "";
    }

    /**
     * Whether {@code other} does what this op does, for plan caches: equality, except for ops
     * that carry per-call identity ({@link Call}), which compare by what they compute.
     */
    default boolean sameStructure(Op other) {
        return equals(other);
    }

    /** A hash consistent with {@link #sameStructure}: value-based, the same for equal ops in any trace. */
    default long structuralHash() {
        // The class matters: records without components (add, pow, ...) all have hashCode 0.
        return (long) Names.NAMES.get(getClass()).hashCode() << 32 ^ hashCode();
    }

    /** Op names, computed once per class (getSimpleName is slow). */
    final class Names {
        static final ClassValue<String> NAMES = new ClassValue<>() {
            @Override
            protected String computeValue(Class<?> c) {
                String n = c.getSimpleName();
                return Character.toLowerCase(n.charAt(0)) + n.substring(1);
            }
        };

        private Names() {
        }
    }
}
