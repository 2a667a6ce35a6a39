package dev.kiln.ir;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * The reference meaning of each elementwise primitive on one element: the interpreter applies
 * these, constant folding uses them, and compiled kernels are tested against them. Floating
 * types compute in double and round once on store; integer types compute exactly in long.
 */
public final class Semantics {
    private Semantics() {
    }

    public static double apply(Unary op, double x) {
        return function(op).applyAsDouble(x);
    }

    /** The function itself, to hoist the dispatch out of a loop. */
    public static DoubleUnaryOperator function(Unary op) {
        return switch (op) {
            case Unary.Neg n -> x -> -x;
            case Unary.Abs a -> Math::abs;
            case Unary.Exp e -> Math::exp;
            case Unary.Log l -> Math::log;
            case Unary.Sin s -> Math::sin;
            case Unary.Cos c -> Math::cos;
            case Unary.Sqrt s -> Math::sqrt;
            case Unary.Tanh t -> Math::tanh;
            case Unary.Erf e -> Semantics::erf;
            case Unary.Log1p l -> Math::log1p;
            case Unary.Expm1 e -> Math::expm1;
        };
    }

    /** Integer meaning; only neg and abs are defined on integers. */
    public static long applyLong(Unary op, long x) {
        return switch (op) {
            case Unary.Neg n -> -x;
            case Unary.Abs a -> Math.abs(x);
            default -> throw new IllegalArgumentException(op.name() + " is not defined on integers");
        };
    }

    public static double apply(Binary op, double a, double b) {
        return function(op).applyAsDouble(a, b);
    }

    /** The function itself, to hoist the dispatch out of a loop. */
    public static DoubleBinaryOperator function(Binary op) {
        return switch (op) {
            case Binary.Add x -> Double::sum;
            case Binary.Sub x -> (a, b) -> a - b;
            case Binary.Mul x -> (a, b) -> a * b;
            case Binary.Div x -> (a, b) -> a / b;
            case Binary.Pow x -> Semantics::pow;
            case Binary.Maximum x -> Math::max;
            case Binary.Minimum x -> Math::min;
        };
    }

    public static long applyLong(Binary op, long a, long b) {
        return longFunction(op).applyAsLong(a, b);
    }

    /** The integer function; division is not defined on integers (front ends cast to float first). */
    public static LongBinaryOperator longFunction(Binary op) {
        return switch (op) {
            case Binary.Add x -> Long::sum;
            case Binary.Sub x -> (a, b) -> a - b;
            case Binary.Mul x -> (a, b) -> a * b;
            case Binary.Div x -> throw new IllegalArgumentException("div is not defined on integers");
            case Binary.Pow x -> Semantics::powLong;
            case Binary.Maximum x -> Math::max;
            case Binary.Minimum x -> Math::min;
        };
    }

    public static boolean compare(Compare op, double a, double b) {
        return switch (op) {
            case Compare.Lt x -> a < b;
            case Compare.Le x -> a <= b;
            case Compare.Gt x -> a > b;
            case Compare.Ge x -> a >= b;
            case Compare.Eq x -> a == b;
            case Compare.Ne x -> a != b;
        };
    }

    public static boolean compareLong(Compare op, long a, long b) {
        return switch (op) {
            case Compare.Lt x -> a < b;
            case Compare.Le x -> a <= b;
            case Compare.Gt x -> a > b;
            case Compare.Ge x -> a >= b;
            case Compare.Eq x -> a == b;
            case Compare.Ne x -> a != b;
        };
    }

    /**
     * {@code a^b}. Small integral exponents (|b| &lt;= 16) multiply by squaring (a sign-correct,
     * fast path: (-2)^3 = -8, never NaN); others use {@code Math.pow}, which is also exact in sign
     * for integral exponents of negative bases.
     */
    public static double pow(double a, double b) {
        if (b == (int) b && Math.abs(b) <= 16) {
            int n = (int) Math.abs(b);
            double result = 1;
            double base = a;
            while (n > 0) {
                if ((n & 1) != 0) {
                    result *= base;
                }
                base *= base;
                n >>= 1;
            }
            return b < 0 ? 1 / result : result;
        }
        return Math.pow(a, b);
    }

    private static long powLong(long base, long exp) {
        if (exp < 0) {
            throw new ArithmeticException("integers to negative integer powers are not allowed");
        }
        long result = 1;
        while (exp > 0) {
            if ((exp & 1) != 0) {
                result *= base;
            }
            base *= base;
            exp >>= 1;
        }
        return result;
    }

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    /**
     * The error function. For |x| &lt; 2.5 the series erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)),
     * whose terms are all positive (no cancellation); beyond, 1 − erfc(|x|) with erfc from its continued
     * fraction (modified Lentz), which converges fast there; ±1 past |x| = 6. Within a few ulps of the
     * exact value (checked against high-precision references in the tests).
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        if (a >= 6) {
            return Math.copySign(1.0, x);
        }
        if (a < 2.5) {
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 200; n++) {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
                if (Math.abs(term) <= Math.abs(sum) * 1e-17) {
                    break;
                }
            }
            return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        }
        return Math.copySign(1 - erfcLarge(a), x);
    }

    /** erfc(a) for a ≥ 2.5: e^(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))), by modified Lentz. */
    private static double erfcLarge(double a) {
        double tiny = 1e-300;
        double f = a;
        double c = a;
        double d = 0;
        for (int k = 1; k < 300; k++) {
            double ak = k / 2.0;
            d = a + ak * d;
            d = d == 0 ? tiny : d;
            c = a + ak / c;
            c = c == 0 ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-a * a) / (f * Math.sqrt(Math.PI));
    }
}
