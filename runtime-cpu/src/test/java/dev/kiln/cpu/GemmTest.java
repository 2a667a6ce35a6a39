package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Kiln;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The blocked GEMM against a float64 triple loop, on sizes that leave partial tiles and blocks everywhere. */
class GemmTest {
    private static final int[][] SIZES = {{1, 1, 1}, {5, 7, 3}, {6, 16, 8}, {7, 17, 9}, {13, 33, 257}, {97, 31, 300},
        {200, 515, 70}, {301, 257, 33}};

    private static float[] random(Random r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** c = a @ b in float64, a read as [n, k] with strides (ars, acs), b as [k, m] with (brs, bcs). */
    private static double[] reference(float[] a, int ars, int acs, float[] b, int brs, int bcs, int n, int m, int k) {
        double[] c = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * ars + p * acs] * b[p * brs + j * bcs];
                }
                c[i * m + j] = s;
            }
        }
        return c;
    }

    private static void check(double[] expected, float[] actual, int k, String what) {
        for (int i = 0; i < expected.length; i++) {
            // float32 accumulation over k terms of unit-variance products
            double tolerance = 1e-5 * Math.sqrt(k) * (4 + Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tolerance, what + " at " + i);
        }
    }

    @Test
    void bothMicroKernelsMatchTheReferenceForEveryLayout() {
        Random r = new Random(5);
        for (int[] s : SIZES) {
            int n = s[0];
            int m = s[1];
            int k = s[2];
            float[] a = random(r, n * k);
            float[] b = random(r, k * m);
            // a as [n, k] row-major or as the transpose of a [k, n] matrix; the same for b
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    int ars = ta ? 1 : k;
                    int acs = ta ? n : 1;
                    int brs = tb ? 1 : m;
                    int bcs = tb ? k : 1;
                    double[] expected = reference(a, ars, acs, b, brs, bcs, n, m, k);
                    String what = n + "x" + k + " @ " + k + "x" + m + (ta ? " (a transposed)" : "") + (tb ? " (b transposed)" : "");
                    float[] c = new float[n * m + 3];
                    Gemm.sgemm(a, 0, ars, acs, b, 0, brs, bcs, c, 3, n, m, k);
                    check(expected, java.util.Arrays.copyOfRange(c, 3, c.length), k, what);
                    float[] scalar = new float[n * m];
                    Gemm.sgemm(a, 0, ars, acs, b, 0, brs, bcs, scalar, 0, n, m, k, new Gemm.ScalarKernel(), null);
                    check(expected, scalar, k, what + ", scalar kernel");
                }
            }
        }
    }

    /**
     * Every vector width this CPU runs (128, 256 and 512 bits on AVX-512) has its own micro-kernel and
     * tile: each matches the reference on edge and full tiles, and all give the same bits (each element
     * is one chain of fused multiply-adds in depth order, whatever the tile).
     */
    @Test
    void everyWidthsMicroKernelMatchesTheReferenceWithTheSameBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.enabled(), "the Vector API is not enabled in this JVM");
        Random r = new Random(6);
        for (int[] s : new int[][] {{1, 1, 1}, {6, 16, 8}, {8, 32, 5}, {13, 33, 257}, {97, 65, 300}, {200, 515, 70},
                {385, 47, 600}}) {
            int n = s[0];
            int m = s[1];
            int k = s[2];
            float[] a = random(r, n * k);
            float[] b = random(r, k * m);
            double[] expected = reference(a, k, 1, b, 1, k, n, m, k);
            float[] first = null;
            for (int bits : VectorSupport.widths()) {
                Gemm.MicroKernel kernel = VectorSupport.gemmKernel(bits);
                float[] c = new float[n * m];
                Gemm.sgemm(a, 0, k, 1, b, 0, 1, k, c, 0, n, m, k, kernel, null);
                String what = n + "x" + k + " @ " + k + "x" + m + " with " + bits + "-bit vectors (" + kernel.mr() + " x "
                        + kernel.nr() + " tiles)";
                check(expected, c, k, what);
                if (first == null) {
                    first = c;
                } else {
                    assertArrayEquals(first, c, what + ": the same bits as " + VectorSupport.widths().getFirst() + " bits");
                }
            }
        }
    }

    /**
     * The bits are defined, not just stable: each element of c is {@code fma(a[i,p], b[p,j], ...)}
     * chained in depth order from zero, in float. Every micro-kernel (each vector width and the scalar
     * one), every blocking a search may choose (depth passes of 1 to 512, blocks that split rows and
     * columns unevenly) and one or several threads give exactly those bits, for row-major and
     * transposed operands.
     */
    @Test
    void everyKernelBlockingAndThreadCountGivesTheFusedChainsBits() {
        Random r = new Random(12);
        java.util.List<Gemm.MicroKernel> kernels = new java.util.ArrayList<>();
        kernels.add(new Gemm.ScalarKernel());
        if (VectorSupport.enabled()) {
            for (int bits : VectorSupport.widths()) {
                kernels.add(VectorSupport.gemmKernel(bits));
            }
        }
        Gemm.Blocking[] blockings = {Gemm.Blocking.DEFAULT, new Gemm.Blocking(1, 24, 32), new Gemm.Blocking(7, 48, 64),
            new Gemm.Blocking(128, 192, 4096), new Gemm.Blocking(512, 72, 512), new Gemm.Blocking(300, 24, 96)};
        int before = Kiln.numThreads();
        try {
            Kiln.setNumThreads(2);
            for (int[] s : new int[][] {{1, 1, 1}, {9, 40, 17}, {50, 70, 301}, {97, 33, 600}}) {
                int n = s[0];
                int m = s[1];
                int k = s[2];
                float[] a = random(r, n * k);
                float[] b = random(r, k * m);
                for (boolean transposed : new boolean[] {false, true}) {
                    int ars = transposed ? 1 : k; // a as the transpose of a stored k x n matrix
                    int acs = transposed ? n : 1;
                    float[] expected = new float[n * m];
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < m; j++) {
                            float chain = 0f;
                            for (int p = 0; p < k; p++) {
                                chain = Math.fma(a[i * ars + p * acs], b[p * m + j], chain);
                            }
                            expected[i * m + j] = chain;
                        }
                    }
                    for (Gemm.MicroKernel kernel : kernels) {
                        for (Gemm.Blocking blocking : blockings) {
                            for (boolean parallel : new boolean[] {false, true}) {
                                float[] c = new float[n * m];
                                Gemm.sgemm(a, null, 0, ars, acs, b, null, 0, m, 1, c, 0, n, m, k, kernel, blocking, parallel, null);
                                assertArrayEquals(expected, c, n + "x" + k + " @ " + k + "x" + m + (transposed ? " (a transposed)" : "")
                                        + ", " + kernel.getClass().getSimpleName() + " " + kernel.mr() + "x" + kernel.nr()
                                        + ", blocking " + blocking + (parallel ? ", 2 threads" : ", 1 thread"));
                            }
                        }
                    }
                }
            }
        } finally {
            Kiln.setNumThreads(before);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Random r = new Random(9);
        int before = Kiln.numThreads();
        try {
            for (int[] s : new int[][] {{301, 257, 33}, {97, 513, 300}, {1000, 17, 129}}) {
                int n = s[0];
                int m = s[1];
                int k = s[2];
                assertTrue((long) n * m * k >= Gemm.PARALLEL_FLOPS, "big enough to be shared");
                float[] a = random(r, n * k);
                float[] b = random(r, k * m);
                float[][] results = new float[3][];
                for (int threads = 1; threads <= 3; threads++) {
                    Kiln.setNumThreads(threads);
                    results[threads - 1] = new float[n * m];
                    Gemm.sgemm(a, 0, k, 1, b, 0, 1, k, results[threads - 1], 0, n, m, k);
                }
                assertArrayEquals(results[0], results[1], "1 and 2 threads");
                assertArrayEquals(results[0], results[2], "1 and 3 threads");
            }
        } finally {
            Kiln.setNumThreads(before);
        }
    }

    /**
     * A batch of products too narrow to split by rows (64 rows: one row block), as a convolution's, shares the threads
     * across the batch: the same bits at 1, 2 and 3 threads, each matrix's epilogue called once after its product.
     */
    @Test
    void batchedProductsShareTheThreadsAcrossTheBatchWithTheSameBits() {
        Random r = new Random(10);
        int before = Kiln.numThreads();
        int batches = 5;
        int n = 64;
        int m = 150;
        int k = 300;
        float[] a = random(r, n * k);
        float[] b = random(r, batches * k * m);
        dev.kiln.spi.Layout la = new dev.kiln.spi.Layout(dev.kiln.Shape.of(batches, n, k), new int[] {0, k, 1}, 0); // a broadcast weight
        dev.kiln.spi.Layout lb = dev.kiln.spi.Layout.contiguous(dev.kiln.Shape.of(batches, k, m));
        try {
            float[][] results = new float[3][];
            for (int threads = 1; threads <= 3; threads++) {
                Kiln.setNumThreads(threads);
                results[threads - 1] = new float[batches * n * m];
                java.util.concurrent.atomic.AtomicIntegerArray calls = new java.util.concurrent.atomic.AtomicIntegerArray(batches);
                float[] c = results[threads - 1];
                Gemm.matmulBatches(a, null, la, b, null, lb, c, dev.kiln.Shape.of(batches, n, m), batch -> {
                    calls.incrementAndGet(batch);
                    assertTrue(c[batch * n * m + n * m - 1] != 0, "the epilogue runs after its matrix is done");
                });
                for (int batch = 0; batch < batches; batch++) {
                    assertEquals(1, calls.get(batch), "batch " + batch + "'s epilogue");
                }
            }
            assertArrayEquals(results[0], results[1], "1 and 2 threads");
            assertArrayEquals(results[0], results[2], "1 and 3 threads");
            float[] single = new float[n * m];
            Gemm.sgemm(a, 0, k, 1, b, 3 * k * m, m, 1, single, 0, n, m, k);
            assertArrayEquals(single, java.util.Arrays.copyOfRange(results[1], 3 * n * m, 4 * n * m), "batch 3 as a product alone");
        } finally {
            Kiln.setNumThreads(before);
        }
    }

    @Test
    void depthPassesAreEvenAndRowBlocksShareTheThreadsEvenly() {
        // no thin last pass: 512 at 384 is two of 256; 1024 three of 344 (the last 336); one pass when k fits
        assertEquals(256, Gemm.depthStep(512, 384));
        assertEquals(344, Gemm.depthStep(1024, 384));
        assertEquals(64, Gemm.depthStep(64, 384));
        assertEquals(384, Gemm.depthStep(384, 384));
        assertEquals(7, Gemm.depthStep(600, 7), "never deeper than the blocking allows");
        // 512 rows at 96 on 2 threads: 8 blocks of 64 (256 rows each), not 5 of 96 and one of 32 (288 against 224)
        assertEquals(64, Gemm.rowStep(512, 96, 8, 2));
        for (int n : new int[] {1, 7, 96, 97, 300, 512, 1000, 4096}) {
            for (int threads = 1; threads <= 4; threads++) {
                int step = Gemm.rowStep(n, 96, 8, threads);
                assertTrue(step <= 96 && step % 8 == 0, n + " rows on " + threads + " threads: " + step);
                // the busiest thread never has more rows than with the plain blocks of 96
                assertTrue(busiest(n, step, threads) <= busiest(n, 96, threads), n + " rows on " + threads + " threads");
            }
        }
        // the best of the candidates (1 to 2x the fewest blocks), counted block by block
        Random r = new Random(11);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + r.nextInt(5000);
            int mr = new int[] {4, 6, 8}[r.nextInt(3)];
            int mc = 24 * (1 + r.nextInt(8));
            int threads = 1 + r.nextInt(6);
            int fewest = (n + mc - 1) / mc;
            int best = Integer.MAX_VALUE;
            for (int blocks = fewest; blocks <= 2 * fewest; blocks++) {
                best = Math.min(best, busiest(n, Math.min(mc, ((n + blocks - 1) / blocks + mr - 1) / mr * mr), threads));
            }
            int step = Gemm.rowStep(n, mc, mr, threads);
            assertEquals(best, busiest(n, step, threads), n + " rows, mr " + mr + ", mc " + mc + ", " + threads + " threads");
        }
    }

    private static int busiest(int n, int step, int threads) {
        int most = 0;
        for (int t = 0; t < threads; t++) {
            int rows = 0;
            for (int from = t * step; from < n; from += threads * step) {
                rows += Math.min(step, n - from);
            }
            most = Math.max(most, rows);
        }
        return most;
    }

    @Test
    void theVectorPathIsTheOneTestsRun() {
        // surefire starts the JVM with --add-modules jdk.incubator.vector, as ./kiln does
        assertTrue(Gemm.simd(), "the Vector API micro-kernel should be in use");
    }

    @Test
    void float64ProductsAreExactSumsInOrder() {
        Random r = new Random(3);
        int n = 37;
        int m = 29;
        int k = 41;
        double[] a = new double[n * k];
        double[] b = new double[k * m];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextGaussian();
        }
        double[] c = new double[n * m];
        Gemm.dgemm(a, 0, 1, n, b, 0, m, 1, c, 0, n, m, k);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i + p * n] * b[p * m + j];
                }
                assertEquals(s, c[i * m + j], 1e-12 * (1 + Math.abs(s)));
            }
        }
    }
}
