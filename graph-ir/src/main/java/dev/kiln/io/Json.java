package dev.kiln.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small, strict JSON of safetensors headers and of Kiln's checkpoint metadata. graph-ir has
 * no dependencies, so this is the one place where Kiln writes its own code for a solved problem
 * instead of taking a library: objects, arrays, strings, numbers, true, false and null, as RFC
 * 8259 has them; a duplicate key, a lone surrogate, trailing text or nesting deeper than
 * {@value #MAX_DEPTH} is an error. Objects come back as ordered maps, integers as
 * {@link BigInteger} (so that an overflowing length is seen, not wrapped), other numbers as
 * {@link Double}. The writer is compact and escapes as serde_json does (the reference
 * safetensors writer), so that headers come out byte for byte the same.
 */
final class Json {
    static final int MAX_DEPTH = 64;

    /** A malformed document: the message says what and where (a character offset). */
    static final class SyntaxError extends Exception {
        SyntaxError(String message) {
            super(message);
        }
    }

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    /** The value of a whole document (leading and trailing whitespace allowed, nothing else). */
    static Object parse(String text) throws SyntaxError {
        Json p = new Json(text);
        p.space();
        Object v = p.value(0);
        p.space();
        if (p.i != text.length()) {
            throw p.error("unexpected text after the value");
        }
        return v;
    }

    private SyntaxError error(String what) {
        return new SyntaxError(what + " at offset " + i);
    }

    private void space() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    private Object value(int depth) throws SyntaxError {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        if (i >= s.length()) {
            throw error("unexpected end of the document");
        }
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + printable(c) + "'");
            }
        };
    }

    private Object literal(String word, Object v) throws SyntaxError {
        if (!s.startsWith(word, i)) {
            throw error("expected " + word);
        }
        i += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) throws SyntaxError {
        i++; // {
        Map<String, Object> out = new LinkedHashMap<>();
        space();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            return out;
        }
        while (true) {
            space();
            if (i >= s.length() || s.charAt(i) != '"') {
                throw error("expected a string key");
            }
            int at = i;
            String key = string();
            space();
            expect(':');
            space();
            Object v = value(depth + 1);
            if (out.containsKey(key)) {
                i = at;
                throw error("duplicate key \"" + key + "\"");
            }
            out.put(key, v);
            space();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
                continue;
            }
            expect('}');
            return out;
        }
    }

    private List<Object> array(int depth) throws SyntaxError {
        i++; // [
        List<Object> out = new ArrayList<>();
        space();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return out;
        }
        while (true) {
            space();
            out.add(value(depth + 1));
            space();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
                continue;
            }
            expect(']');
            return out;
        }
    }

    private void expect(char c) throws SyntaxError {
        if (i >= s.length() || s.charAt(i) != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private String string() throws SyntaxError {
        i++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                i--;
                throw error("unescaped control character in a string");
            }
            if (Character.isSurrogate(c)) {
                // the UTF-8 decoder only lets whole pairs through
                sb.append(c);
                continue;
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (!s.startsWith("\\u", i)) {
                            throw error("a high surrogate escape without its low half");
                        }
                        i += 2;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) {
                            throw error("a high surrogate escape without its low half");
                        }
                        sb.append(u).append(low);
                    } else if (Character.isLowSurrogate(u)) {
                        throw error("a lone low surrogate escape");
                    } else {
                        sb.append(u);
                    }
                }
                default -> {
                    i--;
                    throw error("invalid escape '\\" + printable(e) + "'");
                }
            }
        }
    }

    private char hex4() throws SyntaxError {
        if (i + 4 > s.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(s.charAt(i + k), 16);
            if (d < 0) {
                throw error("invalid \\u escape");
            }
            v = v * 16 + d;
        }
        i += 4;
        return (char) v;
    }

    private Object number() throws SyntaxError {
        int start = i;
        if (s.charAt(i) == '-') {
            i++;
        }
        if (i >= s.length() || !digit(s.charAt(i))) {
            throw error("invalid number");
        }
        if (s.charAt(i) == '0') {
            i++;
            if (i < s.length() && digit(s.charAt(i))) {
                throw error("a number with a leading zero");
            }
        } else {
            digits();
        }
        boolean integer = true;
        if (i < s.length() && s.charAt(i) == '.') {
            integer = false;
            i++;
            if (i >= s.length() || !digit(s.charAt(i))) {
                throw error("invalid number");
            }
            digits();
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integer = false;
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            if (i >= s.length() || !digit(s.charAt(i))) {
                throw error("invalid number");
            }
            digits();
        }
        String text = s.substring(start, i);
        if (text.length() > 400) {
            i = start;
            throw error("a number of " + text.length() + " characters");
        }
        return integer ? new BigInteger(text) : (Object) Double.parseDouble(text);
    }

    private void digits() {
        while (i < s.length() && digit(s.charAt(i))) {
            i++;
        }
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    // ------------------------------------------------------------------ writing

    /** Appends {@code v} — a map, list, string, boolean, null, integer type or double — compactly. */
    static StringBuilder write(StringBuilder out, Object v) {
        switch (v) {
            case null -> out.append("null");
            case String str -> quote(out, str);
            case Boolean b -> out.append(b);
            case Integer n -> out.append(n);
            case Long n -> out.append(n);
            case BigInteger n -> out.append(n);
            case Double d -> number(out, d);
            case Map<?, ?> m -> {
                out.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    quote(out, (String) e.getKey());
                    out.append(':');
                    write(out, e.getValue());
                }
                out.append('}');
            }
            case List<?> l -> {
                out.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) {
                        out.append(',');
                    }
                    write(out, l.get(k));
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
        return out;
    }

    /**
     * A finite double as Java's shortest text that reads back to it (valid JSON, {@code 1.0E-4}
     * included); NaN and the infinities, which JSON lacks, as the strings "NaN", "Infinity", "-Infinity".
     */
    private static void number(StringBuilder out, double d) {
        if (Double.isFinite(d)) {
            out.append(d);
        } else {
            quote(out, Double.toString(d));
        }
    }

    /** A string as serde_json writes it: quote, backslash and control characters escaped, nothing else. */
    static void quote(StringBuilder out, String str) {
        out.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
