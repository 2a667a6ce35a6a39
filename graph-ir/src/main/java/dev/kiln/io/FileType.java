package dev.kiln.io;

import dev.kiln.DType;
import java.util.List;

/**
 * The safetensors dtypes Kiln reads, with the Kiln dtype each becomes, and the order the reference
 * writer sorts by. Half-precision floats widen to float32 exactly; narrow and unsigned integers
 * widen to the smallest Kiln integer that holds them.
 */
enum FileType {
    BOOL(1, DType.BOOL),
    U8(1, DType.INT32),
    I8(1, DType.INT32),
    I16(2, DType.INT32),
    U16(2, DType.INT32),
    F16(2, DType.FLOAT32),
    BF16(2, DType.FLOAT32),
    I32(4, DType.INT32),
    U32(4, DType.INT64),
    F32(4, DType.FLOAT32),
    F64(8, DType.FLOAT64),
    I64(8, DType.INT64);

    /** Every dtype name of the format, in the reference's declaration order (which its writer sorts by, descending). */
    private static final List<String> REFERENCE_ORDER = List.of("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2",
            "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64",
            "F64", "I64", "U64");

    private final int bytes;
    private final DType kiln;

    FileType(int bytes, DType kiln) {
        this.bytes = bytes;
        this.kiln = kiln;
    }

    int bytes() {
        return bytes;
    }

    /** The dtype of the tensor this entry loads as. */
    DType kiln() {
        return kiln;
    }

    /** The position in the reference writer's dtype order: higher is written first. */
    int rank() {
        return REFERENCE_ORDER.indexOf(name());
    }

    /** What Kiln writes a tensor of {@code dtype} as. */
    static FileType of(DType dtype) {
        return switch (dtype) {
            case BOOL -> BOOL;
            case INT32 -> I32;
            case INT64 -> I64;
            case FLOAT32 -> F32;
            case FLOAT64 -> F64;
        };
    }

    /** The type named {@code name}, or null if Kiln does not read it. */
    static FileType named(String name) {
        for (FileType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Whether {@code name} is a dtype of the format at all. */
    static boolean known(String name) {
        return REFERENCE_ORDER.contains(name);
    }

    static String supported() {
        return java.util.Arrays.toString(values());
    }
}
