package dev.kiln.samples;

import java.math.BigDecimal;

/** Python's {@code repr} of a float, so the samples print numbers the way the seed's notebook does. */
final class Py {
    private Py() {
    }

    /** The shortest round-tripping digits (as Java's), in Python's layout: {@code 1.5e-05}, {@code 160.5891571044922}. */
    static String str(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        if (exponent < -4 || exponent >= 16) {
            String digits = d.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (v < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format("%02d", Math.abs(exponent));
        }
        String plain = d.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }
}
