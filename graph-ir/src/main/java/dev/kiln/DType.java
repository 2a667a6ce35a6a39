package dev.kiln;

/** Element types, with PyTorch's promotion categories (bool &lt; integer &lt; floating). */
public enum DType {
    BOOL("bool", 1, 0),
    INT32("int32", 4, 1),
    INT64("int64", 8, 1),
    FLOAT32("float32", 4, 2),
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

    public boolean isFloating() {
        return category == 2;
    }

    /** Integer or bool: values held exactly as {@code long}. */
    public boolean isIntegral() {
        return category < 2;
    }

    /** 0 for bool, 1 for integers, 2 for floating types. */
    public int category() {
        return category;
    }

    public int byteSize() {
        return bytes;
    }

    /** The default type of a category (bool, int64, float32). */
    public static DType defaultOf(int category) {
        return switch (category) {
            case 0 -> BOOL;
            case 1 -> DEFAULT_INT;
            default -> DEFAULT_FLOAT;
        };
    }

    /** The wider of two types of the same category, or the one of the higher category. */
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
