package dev.kiln;

/** Element types, with PyTorch's promotion categories (bool &lt; integer &lt; floating). */
public enum DType {
    /** Booleans, {@code torch.bool}: one byte per element. */
    BOOL("bool", 1, 0),
    /** 32-bit signed integers, {@code torch.int32}. */
    INT32("int32", 4, 1),
    /** 64-bit signed integers, {@code torch.int64}: the default integer type. */
    INT64("int64", 8, 1),
    /** 32-bit IEEE floats, {@code torch.float32}: the default floating type. */
    FLOAT32("float32", 4, 2),
    /** 64-bit IEEE floats, {@code torch.float64}. */
    FLOAT64("float64", 8, 2);

    /** The default floating type, as PyTorch's {@code torch.get_default_dtype()}. */
    public static final DType DEFAULT_FLOAT = FLOAT32;
    /** The default integer type, as in PyTorch. */
    public static final DType DEFAULT_INT = INT64;

    private final String label;
    private final int bytes;
    private final int category;

    DType(String label, int bytes, int category) {
        this.label = label;
        this.bytes = bytes;
        this.category = category;
    }

    /**
     * Whether this is a floating type, as {@code torch.dtype.is_floating_point}.
     *
     * @return true for float32 and float64
     */
    public boolean isFloating() {
        return category == 2;
    }

    /**
     * Whether this is an integer type or bool, whose values are held exactly as {@code long}.
     *
     * @return true for bool, int32 and int64
     */
    public boolean isIntegral() {
        return category < 2;
    }

    /**
     * This type's promotion category.
     *
     * @return 0 for bool, 1 for integers, 2 for floating types
     */
    public int category() {
        return category;
    }

    /**
     * The size of one element, as {@code torch.dtype.itemsize}.
     *
     * @return bytes per element: 1, 4 or 8
     */
    public int byteSize() {
        return bytes;
    }

    /**
     * The default type of a promotion category.
     *
     * @param category 0 (bool), 1 (integer) or 2 (floating); any other value is taken as floating
     * @return bool, int64 or float32
     */
    public static DType defaultOf(int category) {
        return switch (category) {
            case 0 -> BOOL;
            case 1 -> DEFAULT_INT;
            default -> DEFAULT_FLOAT;
        };
    }

    /**
     * The type two operands promote to, as {@code torch.promote_types}: the one of the higher category, or the
     * wider of two of the same category (so int32 with float32 gives float32, int32 with int64 gives int64).
     *
     * @param a one operand's type
     * @param b the other operand's type
     * @return the promoted type, one of {@code a} and {@code b}
     */
    public static DType promote(DType a, DType b) {
        if (a.category != b.category) {
            return a.category > b.category ? a : b;
        }
        return a.bytes >= b.bytes ? a : b;
    }

    @Override
    public String toString() {
        return label;
    }
}
