package dev.kiln.nn;

import java.math.BigDecimal;

/** Values as Python's {@code repr} writes them, for modules' {@code extra_repr} text. */
final class Repr {
    private Repr() {
    }

    /** Python's {@code repr(float)}: the shortest digits, plain from 1e-4 to 1e16, else {@code 1e-05} style. */
    static String pyFloat(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        if (x == 0) {
            return 1 / x < 0 ? "-0.0" : "0.0";
        }
        BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros(); // Java's shortest digits, as Python's
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale();
        String sign = x < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = d.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }

    /** An int, or a tuple of several, as PyTorch prints a size given as {@code 2} or {@code (2, 3)}. */
    static String intOrTuple(int[] given) {
        return given.length == 1 ? Integer.toString(given[0]) : Conv2d.tuple(given);
    }
}
