package dev.kiln.tests.data;

import static dev.kiln.tests.data.IdxFiles.gzip;
import static dev.kiln.tests.data.IdxFiles.images;
import static dev.kiln.tests.data.IdxFiles.labels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.data.FashionMNIST;
import dev.kiln.data.Subset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FashionMNIST} on small generated files (samples, batches, normalization, the pairing and
 * missing-file errors), and on Debian's dataset-fashion-mnist when it is installed: counts, shapes, label
 * range and checksums computed independently by Python's gzip and struct.
 */
class FashionMNISTTest {
    @TempDir
    Path dir;

    private void files(String prefix, int images, int labels, boolean gz) throws IOException {
        byte[] x = images(images, 2, 3);
        byte[] y = labels(labels);
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + (gz ? ".gz" : "")), gz ? gzip(x) : x);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + (gz ? ".gz" : "")), gz ? gzip(y) : y);
    }

    @Test
    void samplesAreOneChannelImagesAndLabelsAndBatchAsRows() throws IOException {
        files("train", 5, 5, true);
        files("t10k", 2, 2, false);
        FashionMNIST train = new FashionMNIST(dir, true);
        assertEquals(5, train.size());
        assertEquals(2, new FashionMNIST(dir, false).size());
        List<Tensor> s = train.get(3);
        assertEquals(Shape.of(1, 2, 3), s.get(0).shape());
        assertEquals(DType.FLOAT32, s.get(0).dtype());
        assertEquals(3L, s.get(1).toLongArray()[0]);
        assertEquals((float) ((18 * 37) % 256) / 255f, s.get(0).toFloatArray()[0], 0f);
        List<Tensor> batch = DataLoader.of(train).batchSize(4).build().iterator().next();
        assertEquals(Shape.of(4, 1, 2, 3), batch.get(0).shape());
        assertArrayEquals(new long[] {0, 1, 2, 3}, batch.get(1).toLongArray());
        assertArrayEquals(train.images().select(0, 2).toFloatArray(), batch.get(0).select(0, 2).toFloatArray());
        List<Tensor> sub = DataLoader.of(new Subset(train, new int[] {4, 1})).batchSize(2).build().iterator().next();
        assertArrayEquals(new long[] {4, 1}, sub.get(1).toLongArray());
        assertArrayEquals(train.get(4).get(0).toFloatArray(), sub.get(0).select(0, 0).toFloatArray());
    }

    @Test
    void normalizeSubtractsTheMeanAndDividesByTheStdInFloat32() throws IOException {
        files("train", 3, 3, false);
        FashionMNIST raw = new FashionMNIST(dir, true);
        FashionMNIST norm = raw.normalize(FashionMNIST.MEAN, FashionMNIST.STD);
        float[] a = raw.images().toFloatArray();
        float[] b = norm.images().toFloatArray();
        for (int k = 0; k < a.length; k++) {
            assertEquals((a[k] - (float) FashionMNIST.MEAN) / (float) FashionMNIST.STD, b[k], 1e-6f);
        }
        assertEquals(DType.FLOAT32, norm.images().dtype());
        assertArrayEquals(raw.targets().toLongArray(), norm.targets().toLongArray());
        assertThrows(KilnException.class, () -> raw.normalize(0.5, 0));
    }

    @Test
    void imagesAndLabelsThatDoNotPairUpAreAnError() throws IOException {
        files("train", 4, 3, false);
        KilnException e = assertThrows(KilnException.class, () -> new FashionMNIST(dir, true));
        assertTrue(e.getMessage().contains("holds 4 images but") && e.getMessage().contains("holds 3 labels"), e.getMessage());
        assertTrue(e.site().startsWith("FashionMNISTTest.java:"), e.site());
    }

    @Test
    void missingFilesNameTheDebianPackage() {
        KilnException e = assertThrows(KilnException.class, () -> new FashionMNIST(dir, false));
        String m = e.getMessage();
        assertTrue(m.contains(dir.resolve("t10k-images-idx3-ubyte.gz").toString()) && m.contains("dataset-fashion-mnist"), m);
    }

    /** Debian's files, whole: checksums from /usr/bin/python3 reading the .gz files with gzip and struct. */
    @Test
    void debiansFilesReadWhole() {
        Path root = Path.of(FashionMNIST.DEFAULT_ROOT);
        assumeTrue(Files.isRegularFile(root.resolve("train-images-idx3-ubyte.gz")),
                "skipped: Fashion-MNIST is not installed (apt-get install --no-install-recommends dataset-fashion-mnist)");
        check(new FashionMNIST(true), 60_000, 76_247, 16_684, new long[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
        check(new FashionMNIST(false), 10_000, 33_456, 24_390, new long[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
    }

    private static void check(FashionMNIST data, int n, long firstSum, long lastSum, long[] firstLabels) {
        assertEquals(n, data.size());
        assertEquals(Shape.of(n, 1, 28, 28), data.images().shape());
        assertEquals(firstSum, byteSum(data.get(0).get(0)));
        assertEquals(lastSum, byteSum(data.get(n - 1).get(0)));
        long[] y = data.targets().toLongArray();
        assertArrayEquals(firstLabels, java.util.Arrays.copyOf(y, 10));
        int[] perClass = new int[10];
        for (long label : y) {
            assertTrue(label >= 0 && label <= 9, "label " + label);
            perClass[(int) label]++;
        }
        for (int c : perClass) {
            assertEquals(n / 10, c);
        }
    }

    /** The image's bytes summed back from their [0, 1] floats. */
    private static long byteSum(Tensor image) {
        long s = 0;
        for (float v : image.toFloatArray()) {
            s += Math.round(v * 255);
        }
        return s;
    }
}
