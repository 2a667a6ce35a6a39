package dev.kiln.codegen.cuda;

import dev.kiln.DType;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Elementwise;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;

/**
 * C text of elementwise ops. Floating values are {@code double} and round to float32 where their
 * dtype says, as the interpreter stores them (EXACT); in FAST precision float32 values are
 * {@code float}, computed with float operations. Integer values are {@code long long} and wrap.
 */
final class Expressions {
    private Expressions() {
    }

    static String ctype(DType t) {
        return switch (t) {
            case FLOAT32 -> "float";
            case FLOAT64 -> "double";
            case INT64 -> "long long";
            case INT32 -> "int";
            case BOOL -> "unsigned char";
        };
    }

    /** A short name of a dtype for kernel names. */
    static String suffix(DType t) {
        return switch (t) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case INT64 -> "i64";
            case INT32 -> "i32";
            case BOOL -> "b8";
        };
    }

    /** A double literal that reads back as exactly {@code v} (rounded to float32 first where the dtype is). */
    static String literal(double v, DType dtype) {
        double x = dtype == DType.FLOAT32 ? (float) v : v;
        if (Double.isNaN(x)) {
            return "NAN";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "INFINITY" : "-INFINITY";
        }
        return Double.toString(x);
    }

    /** A float literal that reads back as exactly {@code (float) v} (FAST precision's float32 constants). */
    static String floatLiteral(double v) {
        float x = (float) v;
        if (Float.isNaN(x)) {
            return "NAN";
        }
        if (Float.isInfinite(x)) {
            return x > 0 ? "INFINITY" : "-INFINITY";
        }
        return Float.toString(x) + "f";
    }

    /** The literal of a constant of {@code dtype}: a float literal where {@code single}, else {@link #literal}. */
    static String literal(double v, DType dtype, boolean single) {
        return single ? floatLiteral(v) : literal(v, dtype);
    }

    /**
     * {@code op} on operands {@code a} of dtypes {@code in}, as a value of {@code result} in {@code precision}.
     * EXACT: {@link #real}. FAST: in float where the result and the operands it computes with are float32
     * (operand variables of those dtypes are floats); else in double as EXACT does, the float operands
     * widened first (so no float overload is picked) and a float32 result narrowed.
     */
    static String value(Elementwise op, String[] a, DType[] in, DType result, CudaPrecision precision) {
        if (precision == CudaPrecision.EXACT) {
            return real(op, a, result);
        }
        if (result == DType.FLOAT32 && inFloat(op, in)) {
            return math(op, a, "f");
        }
        String[] wide = a.clone();
        for (int i = 0; i < a.length; i++) {
            if (in[i] == DType.FLOAT32 && !(op instanceof Compare)) {
                wide[i] = "(double) " + a[i];
            }
        }
        return result == DType.FLOAT32 ? "(float) " + real(op, wide, DType.FLOAT64) : real(op, wide, result);
    }

    /** Whether FAST computes {@code op} in float given its operands' dtypes (its result being float32). */
    static boolean inFloat(Elementwise op, DType[] in) {
        return switch (op) {
            case Unary _, Binary _, Cast _ -> java.util.Arrays.stream(in).allMatch(t -> t == DType.FLOAT32);
            case Where _ -> in[1] == DType.FLOAT32 && in[2] == DType.FLOAT32;
            case Compare _ -> false;
        };
    }

    /** {@code op} on double operands {@code a}, as a double, rounded to {@code result}'s precision. */
    static String real(Elementwise op, String[] a, DType result) {
        String e = math(op, a, "");
        return result == DType.FLOAT32 && !(op instanceof Compare) ? "kiln_f32(" + e + ")" : e;
    }

    /** {@code op} in one precision: the math functions are named with {@code suffix} ({@code "f"}: {@code expf}, {@code kiln_powf}). */
    private static String math(Elementwise op, String[] a, String suffix) {
        return switch (op) {
            case Unary u -> switch (u) {
                case Unary.Neg x -> "(-" + a[0] + ")";
                case Unary.Abs x -> "fabs" + suffix + "(" + a[0] + ")";
                case Unary.Exp x -> "exp" + suffix + "(" + a[0] + ")";
                case Unary.Log x -> "log" + suffix + "(" + a[0] + ")";
                case Unary.Sin x -> "sin" + suffix + "(" + a[0] + ")";
                case Unary.Cos x -> "cos" + suffix + "(" + a[0] + ")";
                case Unary.Sqrt x -> "sqrt" + suffix + "(" + a[0] + ")";
                case Unary.Tanh x -> "tanh" + suffix + "(" + a[0] + ")";
                case Unary.Erf x -> "erf" + suffix + "(" + a[0] + ")";
                case Unary.Log1p x -> "log1p" + suffix + "(" + a[0] + ")";
                case Unary.Expm1 x -> "expm1" + suffix + "(" + a[0] + ")";
            };
            case Binary b -> switch (b) {
                case Binary.Add x -> "(" + a[0] + " + " + a[1] + ")";
                case Binary.Sub x -> "(" + a[0] + " - " + a[1] + ")";
                case Binary.Mul x -> "(" + a[0] + " * " + a[1] + ")";
                case Binary.Div x -> "(" + a[0] + " / " + a[1] + ")";
                case Binary.Pow x -> "kiln_pow" + suffix + "(" + a[0] + ", " + a[1] + ")";
                case Binary.Maximum x -> "kiln_max(" + a[0] + ", " + a[1] + ")";
                case Binary.Minimum x -> "kiln_min(" + a[0] + ", " + a[1] + ")";
            };
            case Compare c -> "kiln_bool(" + a[0] + " " + comparison(c) + " " + a[1] + ")";
            case Where w -> "(" + a[0] + " != 0 ? " + a[1] + " : " + a[2] + ")";
            // a float computes no bool cast (inFloat: its result is float32)
            case Cast c -> c.to() == DType.BOOL ? "kiln_bool(" + a[0] + " != 0.0)" : a[0];
        };
    }

    /** {@code op} on long long operands, wrapping as Java's long does; integer pow may fail into {@code status}. */
    static String integral(Elementwise op, String[] a) {
        return switch (op) {
            case Unary u -> switch (u) {
                case Unary.Neg x -> "kiln_lneg(" + a[0] + ")";
                case Unary.Abs x -> "kiln_labs(" + a[0] + ")";
                case Unary.Exp _, Unary.Log _, Unary.Sin _, Unary.Cos _, Unary.Sqrt _, Unary.Tanh _, Unary.Erf _, Unary.Log1p _,
                        Unary.Expm1 _ -> throw new IllegalArgumentException(op.name() + " is not defined on integers");
            };
            case Binary b -> switch (b) {
                case Binary.Add x -> "kiln_ladd(" + a[0] + ", " + a[1] + ")";
                case Binary.Sub x -> "kiln_lsub(" + a[0] + ", " + a[1] + ")";
                case Binary.Mul x -> "kiln_lmul(" + a[0] + ", " + a[1] + ")";
                case Binary.Pow x -> "kiln_lpow(" + a[0] + ", " + a[1] + ", status, tag)";
                case Binary.Maximum x -> "kiln_lmax(" + a[0] + ", " + a[1] + ")";
                case Binary.Minimum x -> "kiln_lmin(" + a[0] + ", " + a[1] + ")";
                case Binary.Div x -> throw new IllegalArgumentException("div is not defined on integers");
            };
            case Compare c -> "(long long) (" + a[0] + " " + comparison(c) + " " + a[1] + ")";
            case Where w -> "(" + a[0] + " != 0 ? " + a[1] + " : " + a[2] + ")";
            case Cast c -> a[0];
        };
    }

    private static String comparison(Compare c) {
        return switch (c) {
            case Compare.Lt x -> "<";
            case Compare.Le x -> "<=";
            case Compare.Gt x -> ">";
            case Compare.Ge x -> ">=";
            case Compare.Eq x -> "==";
            case Compare.Ne x -> "!=";
        };
    }
}
