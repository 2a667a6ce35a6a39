package dev.kiln.tests.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;

/** Small IDX files written byte by byte, as the format describes them (independent of the reader). */
final class IdxFiles {
    private IdxFiles() {
    }

    /** A file of type byte {@code type} with {@code dims}, its values encoded big-endian from {@code values}. */
    static byte[] idx(int type, int[] dims, double[] values) {
        int size = switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            case 0x0E -> 8;
            default -> throw new IllegalArgumentException("type " + type);
        };
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + size * values.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        for (double v : values) {
            switch (type) {
                case 0x08, 0x09 -> b.put((byte) v);
                case 0x0B -> b.putShort((short) v);
                case 0x0C -> b.putInt((int) v);
                case 0x0D -> b.putFloat((float) v);
                default -> b.putDouble(v);
            }
        }
        return b.array();
    }

    /** Unsigned-byte images {@code [n, rows, cols]}, pixel k of the file being {@code (k * 37) % 256}. */
    static byte[] images(int n, int rows, int cols) {
        double[] v = new double[n * rows * cols];
        for (int k = 0; k < v.length; k++) {
            v[k] = (k * 37) % 256;
        }
        return idx(0x08, new int[] {n, rows, cols}, v);
    }

    /** Unsigned-byte labels {@code [n]}, label k being {@code k % 10}. */
    static byte[] labels(int n) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = k % 10;
        }
        return idx(0x08, new int[] {n}, v);
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
