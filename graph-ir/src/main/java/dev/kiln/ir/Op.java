package dev.kiln.ir;

import java.util.List;

/**
 * A primitive operation: attributes only, as a record. Every backend switches over this sealed
 * hierarchy, so adding a primitive fails to compile until every stage handles it. Binary ops and
 * {@code Where} take inputs of one shape and dtype: front ends insert {@code Expand} and
 * {@code Cast} nodes for broadcasting and promotion, so the backends never broadcast implicitly.
 */
public sealed interface Op permits Leaf, Unary, Binary, Compare, Where, Cast, Reduce, Movement, MatMul, Call, Barrier {

    /** The result type for these input types; throws {@link dev.kiln.KilnException} naming the op on a mismatch. */
    TensorType infer(List<TensorType> inputs);

    /** Number of inputs. */
    int arity();

    /** Lower-case name used in the text form and in error messages. */
    default String name() {
        String n = getClass().getSimpleName();
        return Character.toLowerCase(n.charAt(0)) + n.substring(1);
    }

    /** Attributes in the text form, or "" for none. */
    default String attributes() {
        return "";
    }
}
