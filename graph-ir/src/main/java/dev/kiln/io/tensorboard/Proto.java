package dev.kiln.io.tensorboard;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The few protocol-buffer encodings TensorBoard's messages need, written and read by hand (graph-ir has
 * no dependencies): varints, 64-bit doubles, 32-bit floats, and length-delimited strings and messages.
 */
final class Proto {
    private Proto() {
    }

    /** A message being written: call the field methods in field order, then {@link #bytes()}. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        private void key(int field, int wireType) {
            varint((long) field << 3 | wireType);
        }

        Writer int64(int field, long v) {
            key(field, 0);
            varint(v);
            return this;
        }

        Writer float64(int field, double v) {
            key(field, 1);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
            return this;
        }

        Writer float32(int field, float v) {
            key(field, 5);
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
            return this;
        }

        Writer bytes(int field, byte[] v) {
            key(field, 2);
            varint(v.length);
            out.writeBytes(v);
            return this;
        }

        Writer string(int field, String v) {
            return bytes(field, v.getBytes(StandardCharsets.UTF_8));
        }

        Writer message(int field, Writer m) {
            return bytes(field, m.bytes());
        }

        /** A packed repeated double field. */
        Writer packedDoubles(int field, double[] v) {
            ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (double d : v) {
                b.putDouble(d);
            }
            return bytes(field, b.array());
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** One decoded field: a varint or fixed value as {@code bits}, or a length-delimited {@code bytes}. */
    record Field(int number, int wireType, long bits, byte[] bytes) {
        double asDouble() {
            return wireType == 5 ? Float.intBitsToFloat((int) bits) : Double.longBitsToDouble(bits);
        }

        String asString() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        Map<Integer, List<Field>> asMessage() {
            return read(bytes);
        }

        /** A packed repeated double field's values. */
        double[] asDoubles() {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            double[] v = new double[bytes.length / 8];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getDouble();
            }
            return v;
        }
    }

    /** A message's fields by number, repeated ones in order; malformed input throws {@link IllegalArgumentException}. */
    static Map<Integer, List<Field>> read(byte[] data) {
        Map<Integer, List<Field>> fields = new LinkedHashMap<>();
        int[] pos = {0};
        while (pos[0] < data.length) {
            long key = varint(data, pos);
            int number = (int) (key >>> 3);
            int wire = (int) (key & 7);
            Field f = switch (wire) {
                case 0 -> new Field(number, wire, varint(data, pos), null);
                case 1 -> new Field(number, wire, fixed(data, pos, 8), null);
                case 5 -> new Field(number, wire, fixed(data, pos, 4), null);
                case 2 -> {
                    int n = (int) varint(data, pos);
                    if (n < 0 || pos[0] + n > data.length) {
                        throw new IllegalArgumentException("field " + number + " runs past the message's end");
                    }
                    byte[] b = java.util.Arrays.copyOfRange(data, pos[0], pos[0] + n);
                    pos[0] += n;
                    yield new Field(number, wire, 0, b);
                }
                default -> throw new IllegalArgumentException("unsupported wire type " + wire + " for field " + number);
            };
            fields.computeIfAbsent(number, k -> new ArrayList<>()).add(f);
        }
        return fields;
    }

    private static long varint(byte[] data, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= data.length) {
                throw new IllegalArgumentException("a varint runs past the message's end");
            }
            int b = data[pos[0]++];
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("a varint longer than 10 bytes");
    }

    private static long fixed(byte[] data, int[] pos, int n) {
        if (pos[0] + n > data.length) {
            throw new IllegalArgumentException("a fixed-size field runs past the message's end");
        }
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (data[pos[0] + i] & 0xFF);
        }
        pos[0] += n;
        return v;
    }
}
