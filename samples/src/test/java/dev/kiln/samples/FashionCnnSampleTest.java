package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.data.FashionMNIST;
import dev.kiln.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fashion-cnn on Debian's Fashion-MNIST (skipped, naming the package, when it is not installed): the
 * compiled network learns from a training subset (see SUBSET for the floor and why the subset is that
 * size), and the BatchNorm variant's eval-mode logits after save, then load in a fresh JVM, are the same
 * bits.
 */
class FashionCnnSampleTest {
    /**
     * One epoch on the first 10,000 training images (157 compiled steps of 64, the last one of 16), scored on the
     * first 500 test images, as the issue asks. Measured on the 2-core Intel machine (AVX-512): 0.778 (seed 1234;
     * the whole run takes about 26 s), so the floor is 0.72 (the margin covers another vector width's sums).
     */
    static final int SUBSET = 10_000;
    static final double FLOOR = 0.72;

    @BeforeAll
    static void dataset() {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of(FashionMNIST.DEFAULT_ROOT, "t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed: apt-get install --no-install-recommends " + FashionMNIST.DEBIAN_PACKAGE);
    }

    @Test
    void compiledTrainingOnASubsetClearsTheFloor() {
        FashionCnnSample.Options o = new FashionCnnSample.Options();
        o.compiled = true;
        o.epochs = 1;
        o.trainSize = SUBSET;
        o.testSize = 500;
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        FashionCnnSample.Result r = FashionCnnSample.run(new PrintStream(text, true, StandardCharsets.UTF_8), o, Progress.NONE);
        String out = text.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertEquals((SUBSET + FashionCnnSample.BATCH - 1) / FashionCnnSample.BATCH, r.stepLosses().size(), out);
        assertTrue(out.contains("test accuracy: " + String.format("%.3f", r.testAccuracy())), out);
        assertTrue(r.testAccuracy() >= FLOOR, "accuracy " + r.testAccuracy() + " under the floor " + FLOOR + "\n" + out);
        double first = r.stepLosses().getFirst();
        double last = r.stepLosses().subList(r.stepLosses().size() - 5, r.stepLosses().size()).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(first > 2.2 && last < first / 2, "loss from " + first + " to " + last + ": " + r.stepLosses());
    }

    @Test
    void batchnormLogitsAfterSaveAndLoadInAFreshJvmAreTheSameBits(@TempDir Path dir) throws Exception {
        FashionCnnSample.Options o = new FashionCnnSample.Options();
        o.batchnorm = true;
        o.steps = 2;
        o.trainSize = 2 * FashionCnnSample.BATCH;
        o.testSize = 100;
        o.save = dir.resolve("bn.safetensors");
        o.logits = dir.resolve("here.safetensors");
        FashionCnnSample.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), o, Progress.NONE);
        assertTrue(Safetensors.load(o.save).keySet().containsAll(List.of("1.running_mean", "1.running_var", "1.num_batches_tracked")),
                Safetensors.load(o.save).keySet().toString());

        Path there = dir.resolve("there.safetensors");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "--add-modules", "jdk.incubator.vector",
                "-p", DdpSampleTest.modulePath(), "-m", "dev.kiln.samples/dev.kiln.samples.Samples", "sample", "fashion-cnn", "--batchnorm",
                "--load", o.save.toString(), "--test-size", "100", "--logits", there.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish:\n" + out);
        assertEquals(0, p.exitValue(), out);

        float[] here = Safetensors.load(o.logits).get("logits").toFloatArray();
        float[] loaded = Safetensors.load(there).get("logits").toFloatArray();
        assertEquals(100 * 10, here.length);
        assertEquals(here.length, loaded.length);
        for (int i = 0; i < here.length; i++) {
            assertEquals(Float.floatToRawIntBits(here[i]), Float.floatToRawIntBits(loaded[i]), "logit " + i + ": " + here[i] + " vs " + loaded[i]);
        }
    }
}
