package dev.kiln.data;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * IDX files, the format of MNIST and Fashion-MNIST (torchvision's {@code read_sn3_pascalvincent_tensor}):
 * two zero bytes, a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32,
 * 0x0E float64), the number of dimensions, each dimension as a big-endian int32, then the values,
 * big-endian and row-major. Plain and gzip-compressed files are read alike (told apart by gzip's magic
 * bytes). Everything is checked — the magic, the sizes, the file's length against the dimensions — and
 * each problem is a {@link KilnException} naming the file, what was expected and what was found; memory
 * grows with the data actually read, so a header that lies about its sizes costs nothing.
 */
public final class Idx {
    /** The magic number of an image file: unsigned bytes, 3 dimensions (count, rows, columns). */
    public static final int IMAGES = 0x00000803;
    /** The magic number of a label file: unsigned bytes, 1 dimension (count). */
    public static final int LABELS = 0x00000801;

    private static final int CHUNK = 1 << 16;

    private Idx() {
    }

    /**
     * The values of {@code file}, shaped as its dimensions say: integer types as int64 (the dtype class
     * indices take), float32 and float64 as themselves. For a large image file prefer {@link #readImages}
     * or {@link #read(Path, DType)} with float32 (4 bytes a pixel rather than 8).
     *
     * @param file the IDX file, plain or gzip-compressed
     * @return the values
     * @throws KilnException if {@code file} is null, cannot be read or is not a valid IDX file
     */
    public static Tensor read(Path file) {
        return read(file, -1, null, 1);
    }

    /**
     * The values of {@code file}, shaped as its dimensions say, converted to {@code dtype}.
     *
     * @param file the IDX file, plain or gzip-compressed
     * @param dtype the dtype of the result
     * @return the values
     * @throws KilnException if {@code dtype} or {@code file} is null, or the file cannot be read or is not
     *     a valid IDX file
     */
    public static Tensor read(Path file, DType dtype) {
        if (dtype == null) {
            throw new KilnException("Idx.read: the dtype must not be null");
        }
        return read(file, -1, dtype, 1);
    }

    /**
     * An image file (magic {@link #IMAGES}) as float32 {@code [count, rows, columns]}, each byte divided by
     * 255 (torchvision's {@code ToTensor} scaling, so the values lie in [0, 1]).
     *
     * @param file the IDX image file, plain or gzip-compressed
     * @return the images
     * @throws KilnException if {@code file} cannot be read, is not a valid IDX file or has another magic
     */
    public static Tensor readImages(Path file) {
        return read(file, IMAGES, DType.FLOAT32, 255);
    }

    /**
     * A label file (magic {@link #LABELS}) as int64 {@code [count]}.
     *
     * @param file the IDX label file, plain or gzip-compressed
     * @return the labels
     * @throws KilnException if {@code file} cannot be read, is not a valid IDX file or has another magic
     */
    public static Tensor readLabels(Path file) {
        return read(file, LABELS, DType.INT64, 1);
    }

    /** Element types by type byte: name and bytes per value. */
    private enum Type {
        UBYTE(0x08, "unsigned byte", 1), BYTE(0x09, "signed byte", 1), SHORT(0x0B, "int16", 2), INT(0x0C, "int32", 4),
        FLOAT(0x0D, "float32", 4), DOUBLE(0x0E, "float64", 8);

        final int code;
        final String label;
        final int bytes;

        Type(int code, String label, int bytes) {
            this.code = code;
            this.label = label;
            this.bytes = bytes;
        }

        static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }

        DType kiln() {
            return switch (this) {
                case UBYTE, BYTE, SHORT, INT -> DType.INT64;
                case FLOAT -> DType.FLOAT32;
                case DOUBLE -> DType.FLOAT64;
            };
        }

        double value(ByteBuffer b) {
            return switch (this) {
                case UBYTE -> b.get() & 0xFF;
                case BYTE -> b.get();
                case SHORT -> b.getShort();
                case INT -> b.getInt();
                case FLOAT -> b.getFloat();
                case DOUBLE -> b.getDouble();
            };
        }
    }

    /** {@code want}: the magic the caller needs, or −1 for any; {@code dtype}: null for the file's own. */
    private static Tensor read(Path file, int want, DType dtype, double divisor) {
        if (file == null) {
            throw new KilnException("Idx: the path must not be null");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            boolean gzip = isGzip(raw);
            InputStream in = gzip ? new GZIPInputStream(raw, CHUNK) : raw;
            byte[] magic = new byte[4];
            int got = in.readNBytes(magic, 0, 4);
            if (got < 4) {
                throw fail(file, "the file ends after " + got + " bytes, inside the 4-byte magic number");
            }
            if (magic[0] != 0 || magic[1] != 0) {
                throw fail(file, "it starts with bytes " + hex(magic[0]) + " " + hex(magic[1])
                        + ", not the two zero bytes an IDX file starts with");
            }
            Type type = Type.of(magic[2] & 0xFF);
            if (type == null) {
                throw fail(file, "unknown type byte " + hex(magic[2]) + " (IDX types: 0x08 unsigned byte, 0x09 signed byte,"
                        + " 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)");
            }
            int rank = magic[3] & 0xFF;
            int found = ByteBuffer.wrap(magic).getInt();
            if (want != -1 && found != want) {
                throw new KilnException(file + ": not an IDX " + (want == IMAGES ? "image" : "label") + " file: expected magic "
                        + describe(want) + ", found " + describe(found));
            }
            byte[] header = new byte[4 * rank];
            got = in.readNBytes(header, 0, header.length);
            if (got < header.length) {
                throw fail(file, "the header ends after " + (4 + got) + " bytes; its " + rank + " dimensions need "
                        + (4 + header.length) + " (the file is truncated)");
            }
            ByteBuffer dimBytes = ByteBuffer.wrap(header);
            int[] dims = new int[rank];
            long numel = 1;
            for (int k = 0; k < rank; k++) {
                dims[k] = dimBytes.getInt();
                if (dims[k] < 0) {
                    throw fail(file, "dimension " + k + " is " + Integer.toUnsignedString(dims[k]) + ", above Kiln's limit of "
                            + Integer.MAX_VALUE);
                }
                numel *= dims[k];
                if (numel > Integer.MAX_VALUE) {
                    throw fail(file, "dimensions " + Arrays.toString(Arrays.copyOf(dims, k + 1)) + " hold more values than"
                            + " one Kiln tensor does (" + Integer.MAX_VALUE + ")");
                }
            }
            long dataBytes = numel * type.bytes;
            if (!gzip) {
                long size = Files.size(file);
                long need = 4 + header.length + dataBytes;
                if (size != need) {
                    throw fail(file, "dimensions " + Arrays.toString(dims) + " of " + type.label + " need " + need
                            + " bytes, but the file has " + size + (size < need ? " (it is truncated)" : " (trailing bytes)"));
                }
            }
            Values out = new Values(dtype == null ? type.kiln() : dtype, (int) numel, gzip);
            readValues(file, in, type, dims, out, divisor);
            if (in.read() != -1) {
                throw fail(file, "the data runs on past the " + dataBytes + " bytes that dimensions " + Arrays.toString(dims)
                        + " of " + type.label + " need");
            }
            return out.tensor(Shape.of(dims));
        } catch (EOFException e) {
            throw fail(file, "the compressed stream ends early (the file is truncated): " + e.getMessage(), e);
        } catch (ZipException e) {
            throw fail(file, "not a valid gzip stream: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new KilnException("could not read " + file + ": " + e, e);
        }
    }

    private static void readValues(Path file, InputStream in, Type type, int[] dims, Values out, double divisor) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.BIG_ENDIAN);
        long total = (long) out.numel * type.bytes;
        long done = 0;
        int i = 0;
        while (done < total) {
            int want = (int) Math.min(buf.remaining(), total - done);
            int r = in.readNBytes(buf.array(), buf.position(), want);
            if (r < want) {
                throw fail(file, "the data ends after " + (done + r) + " of the " + total + " bytes that dimensions "
                        + Arrays.toString(dims) + " of " + type.label + " need (the file is truncated)");
            }
            done += r;
            buf.position(buf.position() + r).flip();
            while (buf.remaining() >= type.bytes) {
                out.set(i++, type.value(buf), divisor);
            }
            buf.compact();
        }
    }

    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1F && b == 0x8B;
    }

    private static String describe(int magic) {
        Type t = Type.of((magic >>> 8) & 0xFF);
        int rank = magic & 0xFF;
        String kind = magic == IMAGES ? ": an image file" : magic == LABELS ? ": a label file" : "";
        return String.format("0x%08X", magic) + " (" + (t == null ? "type " + hex((byte) (magic >>> 8)) : t.label) + ", "
                + rank + (rank == 1 ? " dimension" : " dimensions") + kind + ")";
    }

    private static String hex(byte b) {
        return String.format("0x%02X", b & 0xFF);
    }

    private static KilnException fail(Path file, String what) {
        return new KilnException(file + ": not a valid IDX file: " + what);
    }

    private static KilnException fail(Path file, String what, Throwable cause) {
        return new KilnException(file + ": not a valid IDX file: " + what, cause);
    }

    /**
     * The values as they arrive, in the output dtype's array: float32 and int64 in arrays of their own, other
     * dtypes as float64 converted at the end. A compressed file's array grows as its data arrives.
     */
    private static final class Values {
        private final DType dtype;
        private final int numel;
        private float[] f;
        private long[] l;
        private double[] d;

        Values(DType dtype, int numel, boolean grow) {
            this.dtype = dtype;
            this.numel = numel;
            int n = grow ? Math.min(numel, CHUNK) : numel;
            switch (dtype) {
                case FLOAT32 -> f = new float[n];
                case INT64 -> l = new long[n];
                case BOOL, INT32, FLOAT64 -> d = new double[n];
            }
        }

        void set(int i, double v, double divisor) {
            switch (dtype) {
                case FLOAT32 -> {
                    if (i == f.length) {
                        f = Arrays.copyOf(f, grown(i));
                    }
                    // float32 division, as torch's x.float() / 255
                    f[i] = divisor == 1 ? (float) v : (float) v / (float) divisor;
                }
                case INT64 -> {
                    if (i == l.length) {
                        l = Arrays.copyOf(l, grown(i));
                    }
                    l[i] = (long) (v / divisor);
                }
                case BOOL, INT32, FLOAT64 -> {
                    if (i == d.length) {
                        d = Arrays.copyOf(d, grown(i));
                    }
                    d[i] = v / divisor;
                }
            }
        }

        private int grown(int n) {
            return (int) Math.min(numel, 2L * n);
        }

        Tensor tensor(Shape shape) {
            return switch (dtype) {
                case FLOAT32 -> Tensor.of(f).reshape(shape.toArray());
                case INT64 -> Tensor.of(l).reshape(shape.toArray());
                case BOOL, INT32, FLOAT64 -> Tensor.fromArray(d, shape, dtype);
            };
        }
    }
}
