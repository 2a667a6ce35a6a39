package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Inference;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A forward compiled for serving: prepared ahead, shared by threads with one thread's bits, shapes checked. */
class InferenceTest {
    static Sequential mlp() {
        Kiln.manualSeed(3);
        Sequential m = new Sequential(new Linear(1, 64), new Tanh(), new Linear(64, 64), new Tanh(), new Linear(64, 1));
        m.eval();
        return m;
    }

    static Tensor rows(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * Math.PI);
        }
        return Tensor.of(v).reshape(n, 1);
    }

    @Test
    void everyBucketIsPreparedAheadAndAnswersAsTheEagerForward() {
        Sequential m = mlp();
        Inference inf = Inference.of(m::forward).rowShape(1).maxBatch(64).build();
        assertEquals(List.of(1, 2, 4, 8, 16, 32, 64), inf.batchSizes());
        assertEquals(7, inf.compilations(), "one plan per bucket, compiled at build");
        Random r = new Random(1);
        for (int n = 1; n <= 64; n++) {
            Tensor x = rows(r, n);
            Tensor y = inf.run(x);
            assertEquals(Shape.of(n, 1), y.shape());
            float[] eager;
            try (var noGrad = Kiln.noGrad()) {
                eager = m.forward(x).toFloatArray();
            }
            float[] got = y.toFloatArray();
            for (int i = 0; i < n; i++) {
                assertEquals(eager[i], got[i], 1e-5, "n " + n + " row " + i);
            }
        }
        assertEquals(7, inf.compilations(), "no compilation on a request");
    }

    /**
     * docs/embedding.md's contract: an Inference reads its model's parameters at each call (loading into the
     * served model changes the answers, so a request running meanwhile can mix old and new layers); new
     * weights go into a second model whose Inference is built, then swapped in, the old one unchanged.
     */
    @Test
    void readsTheModelsWeightsLiveSoNewWeightsGoIntoASecondModelAndASwap() {
        Sequential served = mlp();
        Kiln.manualSeed(4);
        Sequential trained = new Sequential(new Linear(1, 64), new Tanh(), new Linear(64, 64), new Tanh(), new Linear(64, 1));
        trained.eval();
        Tensor x = rows(new Random(5), 8);
        float[] before;
        float[] after;
        try (var noGrad = Kiln.noGrad()) {
            before = served.forward(x).toFloatArray();
            after = trained.forward(x).toFloatArray();
        }
        Inference inf = Inference.of(served::forward).rowShape(1).maxBatch(8).build();
        assertArrayEquals(before, inf.run(x).toFloatArray(), 1e-6f);
        served.loadStateDict(trained.stateDict(), true);
        assertArrayEquals(after, inf.run(x).toFloatArray(), 1e-6f, "no recompile: the plan reads the parameters themselves");

        Sequential next = mlp();
        java.util.concurrent.atomic.AtomicReference<Inference> current = new java.util.concurrent.atomic.AtomicReference<>(
                Inference.of(next::forward).rowShape(1).maxBatch(8).build());
        Sequential loaded = mlp();
        loaded.loadStateDict(trained.stateDict(), true);
        Inference old = current.getAndSet(Inference.of(loaded::forward).rowShape(1).maxBatch(8).build());
        assertArrayEquals(after, current.get().run(x).toFloatArray(), 1e-6f);
        assertArrayEquals(before, old.run(x).toFloatArray(), 1e-6f, "requests in flight on the old one see the old weights");
    }

    @Test
    void threadsGetTheBitsOfOneThread() throws Exception {
        Inference inf = Inference.of(mlp()::forward).rowShape(1).maxBatch(64).build();
        Random r = new Random(2);
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Tensor x = rows(r, 1 + r.nextInt(64));
            inputs.add(x);
            expected.add(inf.run(x).toFloatArray());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger wrong = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int seed = t;
            done.add(pool.submit(() -> {
                Random pick = new Random(seed);
                for (int k = 0; k < 1000; k++) {
                    int i = pick.nextInt(inputs.size());
                    if (!java.util.Arrays.equals(expected.get(i), inf.run(inputs.get(i)).toFloatArray())) {
                        wrong.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertEquals(0, wrong.get());
    }

    @Test
    void exactSizesNeedNoPaddingAndRefuseOthers() {
        Sequential m = mlp();
        Inference exact = Inference.of(m::forward).rowShape(1).batchSizes(3, 5).build();
        Inference buckets = Inference.of(m::forward).rowShape(1).maxBatch(8).build();
        Tensor x = rows(new Random(4), 5);
        float[] a = exact.run(x).toFloatArray();
        float[] b = buckets.run(x).toFloatArray(); // padded to 8 rows
        for (int i = 0; i < 5; i++) {
            assertEquals(a[i], b[i], 1e-6);
        }
        KilnException e = assertThrows(KilnException.class, () -> exact.run(rows(new Random(5), 4)));
        assertTrue(e.getMessage().contains("one of [3, 5]") && e.getMessage().contains("4 rows"), e.getMessage());
    }

    @Test
    void badBatchesAreClearErrors() {
        Inference inf = Inference.of(mlp()::forward).rowShape(1).maxBatch(64).build();
        KilnException e = assertThrows(KilnException.class, () -> inf.run(Tensor.zeros(Shape.of(65, 1), DType.FLOAT32)));
        assertTrue(e.getMessage().contains("from 1 to 64") && e.getMessage().contains("65 rows"), e.getMessage());
        e = assertThrows(KilnException.class, () -> inf.run(Tensor.zeros(Shape.of(0, 1), DType.FLOAT32)));
        assertTrue(e.getMessage().contains("0 rows"), e.getMessage());
        e = assertThrows(KilnException.class, () -> inf.run(Tensor.zeros(Shape.of(4, 2), DType.FLOAT32)));
        assertTrue(e.getMessage().contains("[n, 1] of float32") && e.getMessage().contains("[4, 2]"), e.getMessage());
        e = assertThrows(KilnException.class, () -> inf.run(Tensor.zeros(Shape.of(4, 1), DType.FLOAT64)));
        assertTrue(e.getMessage().contains("float64 [4, 1]"), e.getMessage());
        e = assertThrows(KilnException.class, () -> inf.run(Tensor.zeros(Shape.of(4), DType.FLOAT32)));
        assertTrue(e.getMessage().contains("InferenceTest.java"), "names the user's line: " + e.getMessage());
        assertThrows(KilnException.class, () -> inf.run(null));
        assertThrows(KilnException.class, () -> Inference.of(mlp()::forward).maxBatch(0));
    }

    @Test
    void aCallAllocatesLittleMoreThanItsOutput() {
        // a bound on the CPU backend's heap allocation: a staging backend allocates by design
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.kiln.Kiln.defaultDevice().equals(dev.kiln.Device.CPU),
                "the allocation bound is the CPU backend's");
        // warmed past the switch of its short loops to their vector form (after 5000 runs) and its JIT phase
        Inference inf = Inference.of(mlp()::forward).rowShape(1).batchSizes(64).warmUp(12_000).build();
        Tensor x = rows(new Random(6), 64);
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        for (int i = 0; i < 2000; i++) {
            inf.run(x);
        }
        long before = bean.getThreadAllocatedBytes(id);
        int calls = 2000;
        for (int i = 0; i < calls; i++) {
            inf.run(x);
        }
        long perCall = (bean.getThreadAllocatedBytes(id) - before) / calls;
        // the output: a float[64] (272 bytes) and its storage, data and tensor objects (about 110 bytes)
        System.out.println("Inference.run, batch 64: " + perCall + " bytes allocated per call");
        assertTrue(perCall <= 272 + 160, perCall + " bytes per call");
    }
}
