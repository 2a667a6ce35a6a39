package dev.kiln.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@value #CASES} mutated ONNX files (truncations, bit flips, byte runs overwritten, inserted and deleted) made
 * from the PyTorch fixtures, from a fixed seed ({@code -Dkiln.fuzz.seed=S} picks another). Each is loaded under a
 * 5-second guard and, when it loads, run once on an input of the declared shape: the only exception allowed is
 * a KilnException — never another exception, an OutOfMemoryError or a hang.
 */
class OnnxFuzzProperties {
    static final int CASES = 1000;

    @TempDir
    Path dir;

    @Test
    void mutatedFilesEndInAKilnExceptionWithinFiveSeconds() throws Exception {
        long seed = Long.getLong("kiln.fuzz.seed", 30L);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<byte[]> bases = new ArrayList<>();
        for (String name : new String[] {"mlp", "mlp64", "gpt13", "lstm", "gru"}) {
            bases.add(Files.readAllBytes(OnnxPytorchTest.fixture(name + ".onnx")));
        }
        ExecutorService guard = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-onnx");
            t.setDaemon(true);
            return t;
        });
        int refused = 0;
        int ran = 0;
        try {
            Path f = dir.resolve("fuzz.onnx");
            for (int c = 0; c < CASES; c++) {
                StringBuilder how = new StringBuilder();
                byte[] bytes = mutate(bases.get(rnd.nextInt(bases.size())), rnd, how);
                Files.write(f, bytes);
                Future<?> run = guard.submit(() -> loadAndRun(f));
                try {
                    run.get(5, TimeUnit.SECONDS);
                    ran++;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof KilnException)) {
                        throw new AssertionError("seed " + seed + ", case " + c + " (" + how + "): " + e.getCause(), e.getCause());
                    }
                    refused++;
                } catch (TimeoutException e) {
                    fail("seed " + seed + ", case " + c + " (" + how + "): no answer within 5 s");
                }
            }
        } finally {
            guard.shutdownNow();
        }
        System.out.println("onnx fuzz: seed " + seed + ", " + CASES + " cases, " + refused + " refused, " + ran + " loaded and ran");
        assertEquals(CASES, refused + ran);
    }

    private static void loadAndRun(Path f) {
        OnnxModule m = Onnx.load(f);
        List<Tensor> inputs = new ArrayList<>();
        for (OnnxGraph.Input in : m.graph().inputs()) {
            int[] dims = Arrays.stream(in.dims()).map(d -> d < 0 ? 2 : Math.min(d, 64)).toArray();
            inputs.add(in.dtype().isFloating() ? Tensor.randn(Shape.of(dims), in.dtype(), Kiln.defaultGenerator())
                    : Tensor.zeros(Shape.of(dims), in.dtype()));
        }
        try (var s = Kiln.noGrad()) {
            m.forward(inputs);
        }
    }

    private static byte[] mutate(byte[] base, SplittableRandom rnd, StringBuilder how) {
        byte[] b = base.clone();
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds && b.length > 0; r++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    how.append("truncate at ").append(at).append("; ");
                    b = Arrays.copyOf(b, at);
                }
                case 1 -> {
                    int bit = rnd.nextInt(8);
                    how.append("flip bit ").append(bit).append(" of byte ").append(at).append("; ");
                    b[at] ^= (byte) (1 << bit);
                }
                case 2 -> {
                    int n = Math.min(b.length - at, 1 + rnd.nextInt(8));
                    how.append("overwrite ").append(n).append(" bytes at ").append(at).append("; ");
                    for (int i = 0; i < n; i++) {
                        b[at + i] = (byte) rnd.nextInt(256);
                    }
                }
                case 3 -> {
                    int n = 1 + rnd.nextInt(8);
                    how.append("insert ").append(n).append(" bytes at ").append(at).append("; ");
                    byte[] out = new byte[b.length + n];
                    System.arraycopy(b, 0, out, 0, at);
                    for (int i = 0; i < n; i++) {
                        out[at + i] = (byte) rnd.nextInt(256);
                    }
                    System.arraycopy(b, at, out, at + n, b.length - at);
                    b = out;
                }
                default -> {
                    int n = Math.min(b.length - at, 1 + rnd.nextInt(8));
                    how.append("delete ").append(n).append(" bytes at ").append(at).append("; ");
                    byte[] out = new byte[b.length - n];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, at + n, out, at, b.length - at - n);
                    b = out;
                }
            }
        }
        return b;
    }
}
