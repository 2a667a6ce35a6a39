package dev.kiln.tests.data;

import static dev.kiln.tests.data.IdxFiles.gzip;
import static dev.kiln.tests.data.IdxFiles.idx;
import static dev.kiln.tests.data.IdxFiles.images;
import static dev.kiln.tests.data.IdxFiles.labels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.data.Idx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX reader: values, shapes and dtypes of every type byte, plain and gzip alike; each malformed file a clear error. */
class IdxTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    @Test
    void imagesAreFloat32InZeroOneAndLabelsInt64PlainOrGzip() throws IOException {
        byte[] img = images(3, 2, 5);
        byte[] lab = labels(3);
        for (boolean gz : new boolean[] {false, true}) {
            Tensor x = Idx.readImages(write("img" + gz, gz ? gzip(img) : img));
            assertEquals(Shape.of(3, 2, 5), x.shape());
            assertEquals(DType.FLOAT32, x.dtype());
            float[] v = x.toFloatArray();
            for (int k = 0; k < v.length; k++) {
                assertEquals((float) ((k * 37) % 256) / 255f, v[k], 0f, "pixel " + k);
            }
            Tensor y = Idx.readLabels(write("lab" + gz, gz ? gzip(lab) : lab));
            assertEquals(DType.INT64, y.dtype());
            assertArrayEquals(new long[] {0, 1, 2}, y.toLongArray());
        }
        float[] all = Idx.readImages(write("white", idx(0x08, new int[] {1, 1, 2}, new double[] {255, 0}))).toFloatArray();
        assertArrayEquals(new float[] {1f, 0f}, all);
    }

    @Test
    void everyTypeByteReadsItsValuesAndDtype() throws IOException {
        double[] v = {-3, 0, 7, 120, -128, 5};
        int[] dims = {2, 3};
        assertArrayEquals(new long[] {253, 0, 7, 120, 128, 5}, Idx.read(write("u8", idx(0x08, dims, v))).toLongArray());
        Object[][] cases = {{0x09, DType.INT64}, {0x0B, DType.INT64}, {0x0C, DType.INT64}, {0x0D, DType.FLOAT32}, {0x0E, DType.FLOAT64}};
        for (Object[] c : cases) {
            int type = (Integer) c[0];
            for (boolean gz : new boolean[] {false, true}) {
                byte[] bytes = idx(type, dims, v);
                Tensor t = Idx.read(write("t" + type + gz, gz ? gzip(bytes) : bytes));
                assertEquals(c[1], t.dtype(), "type " + type);
                assertEquals(Shape.of(2, 3), t.shape());
                assertArrayEquals(v, t.toDoubleArray(), "type " + type);
            }
        }
        double[] big = {70000.5, -1e300};
        assertArrayEquals(big, Idx.read(write("f64", idx(0x0E, new int[] {2}, big))).toDoubleArray());
        assertArrayEquals(new long[] {196_609, -2_000_000_000}, Idx.read(write("i32", idx(0x0C, new int[] {2},
                new double[] {196_609, -2_000_000_000}))).toLongArray());
        Tensor asFloat = Idx.read(write("to32", idx(0x0B, dims, v)), DType.FLOAT32);
        assertEquals(DType.FLOAT32, asFloat.dtype());
        assertArrayEquals(v, asFloat.toDoubleArray());
        assertArrayEquals(v, Idx.read(write("toi32", idx(0x0C, dims, v)), DType.INT32).toDoubleArray());
        Tensor scalar = Idx.read(write("rank0", idx(0x0D, new int[0], new double[] {2.5})));
        assertEquals(Shape.scalar(), scalar.shape());
        assertEquals(2.5, scalar.item(), 0);
        assertEquals(Shape.of(4, 0), Idx.read(write("empty", idx(0x08, new int[] {4, 0}, new double[0]))).shape());
    }

    @Test
    void aCompressedFileLargerThanOneChunkReadsWhole() throws IOException {
        int n = 200_003; // the reader's buffer grows past 64 Ki values several times, ending on a remainder
        Tensor y = Idx.readLabels(write("many.gz", gzip(labels(n))));
        long[] v = y.toLongArray();
        assertEquals(n, v.length);
        for (int k = 0; k < n; k += 9973) {
            assertEquals(k % 10, v[k]);
        }
        assertEquals((n - 1) % 10, v[n - 1]);
    }

    /** The error for {@code bytes} read by {@code how}: names the file, says {@code expected}, and ends with this test's line. */
    private String error(String name, byte[] bytes, Function<Path, Tensor> how, String... expected) throws IOException {
        Path f = write(name, bytes);
        KilnException e = assertThrows(KilnException.class, () -> how.apply(f));
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()), m);
        for (String s : expected) {
            assertTrue(m.contains(s), "'" + s + "' missing from: " + m);
        }
        assertTrue(e.site() != null && e.site().startsWith("IdxTest.java:"), "user line: " + e.site());
        return m;
    }

    @Test
    void aBadMagicIsNamed() throws IOException {
        byte[] b = images(1, 2, 2);
        b[0] = 0x50;
        b[1] = 0x4B;
        error("zip", b, Idx::read, "starts with bytes 0x50 0x4B", "two zero bytes");
        error("gzbad", gzip(b), Idx::read, "starts with bytes 0x50 0x4B");
        error("tiny", new byte[] {0, 0}, Idx::read, "ends after 2 bytes", "magic");
        error("none", new byte[0], Idx::read, "ends after 0 bytes");
    }

    @Test
    void anUnknownTypeByteIsNamed() throws IOException {
        byte[] b = labels(3);
        b[2] = 0x07;
        error("type7", b, Idx::read, "unknown type byte 0x07", "0x08 unsigned byte");
        error("type7.gz", gzip(b), Idx::readLabels, "unknown type byte 0x07");
    }

    @Test
    void theWrongKindOfFileSaysWhichItIs() throws IOException {
        error("labels-as-images", labels(4), Idx::readImages, "not an IDX image file", "expected magic 0x00000803",
                "found 0x00000801 (unsigned byte, 1 dimension: a label file)");
        error("images-as-labels", gzip(images(2, 2, 2)), Idx::readLabels, "not an IDX label file", "expected magic 0x00000801",
                "found 0x00000803 (unsigned byte, 3 dimensions: an image file)");
        error("two-dims", idx(0x08, new int[] {2, 4}, new double[8]), Idx::readImages, "found 0x00000802 (unsigned byte, 2 dimensions)");
        error("float-images", idx(0x0D, new int[] {1, 1, 1}, new double[1]), Idx::readImages, "found 0x00000D03 (float32, 3 dimensions)");
    }

    @Test
    void aTruncatedHeaderIsNamed() throws IOException {
        byte[] b = Arrays.copyOf(images(2, 3, 3), 10);
        error("head", b, Idx::read, "the header ends after 10 bytes", "its 3 dimensions need 16", "truncated");
        error("head.gz", gzip(b), Idx::read, "the header ends after 10 bytes");
    }

    @Test
    void truncatedOrOverlongDataIsNamed() throws IOException {
        byte[] b = images(2, 3, 3);
        byte[] cut = Arrays.copyOf(b, b.length - 5);
        error("cut", cut, Idx::readImages, "dimensions [2, 3, 3] of unsigned byte need 34 bytes, but the file has 29", "truncated");
        error("cut.gz", gzip(cut), Idx::readImages, "the data ends after 13 of the 18 bytes", "truncated");
        byte[] longer = Arrays.copyOf(b, b.length + 3);
        error("long", longer, Idx::readImages, "need 34 bytes, but the file has 37 (trailing bytes)");
        error("long.gz", gzip(longer), Idx::readImages, "the data runs on past the 18 bytes");
        byte[] z = gzip(b);
        error("cutgz", Arrays.copyOf(z, z.length - 12), Idx::readImages, "truncated");
        byte[] corrupt = z.clone();
        corrupt[12] ^= (byte) 0xFF;
        corrupt[13] ^= (byte) 0xFF;
        Path f = write("corrupt", corrupt);
        assertThrows(KilnException.class, () -> Idx.readImages(f));
    }

    @Test
    void hugeOrNegativeDimensionsFailBeforeAllocating() throws IOException {
        byte[] huge = ByteBuffer.allocate(16).put(new byte[] {0, 0, 8, 3}).putInt(60_000).putInt(60_000).putInt(60_000).array();
        error("huge", huge, Idx::read, "hold more values than one Kiln tensor does");
        byte[] lying = ByteBuffer.allocate(12).put(new byte[] {0, 0, 8, 2}).putInt(46_000).putInt(46_000).array();
        error("lying", lying, Idx::read, "need 2116000012 bytes, but the file has 12");
        // compressed, the size is unknown until the data runs out: the reader must not allocate the header's claim
        error("lying.gz", gzip(lying), Idx::read, "the data ends after 0 of the 2116000000 bytes");
        byte[] negative = ByteBuffer.allocate(8).put(new byte[] {0, 0, 8, 1}).putInt(-5).array();
        error("negative", negative, Idx::read, "dimension 0 is 4294967291");
    }

    @Test
    void aMissingFileIsNamed() {
        Path f = dir.resolve("absent-idx1-ubyte");
        KilnException e = assertThrows(KilnException.class, () -> Idx.readLabels(f));
        assertTrue(e.getMessage().contains("could not read " + f), e.getMessage());
    }
}
