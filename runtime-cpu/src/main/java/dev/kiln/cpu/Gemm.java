package dev.kiln.cpu;

import dev.kiln.spi.Layout;
import dev.kiln.Shape;

/**
 * Matrix products for {@link dev.kiln.codegen.kernel.Plan.MatMulStep}: {@code c = a @ b} over
 * strided views (a transpose is just strides) into a dense row-major {@code c}.
 *
 * <p>float32 is a blocked GEMM in the manner of GotoBLAS: {@code b} is packed by blocks of
 * {@link Blocking#kc} rows and {@link Blocking#nc} columns into panels {@code nr} wide (on several threads
 * each packs its own copy), {@code a} by blocks of {@link Blocking#mc} rows into panels
 * {@code mr} high, and a register-blocked micro-kernel computes each {@code mr x nr} tile over the
 * block's depth — with the Vector API (at the JVM's chosen width, {@link VectorSupport#bits()}) when
 * {@code jdk.incubator.vector} is present, else in scalar Java. Row blocks are independent tasks for
 * {@link Threads}. Every element is one chain of fused multiply-adds in depth order, carried through
 * {@code c} from one depth block to the next, so results do not depend on the thread count, the
 * vector width or the blocking ({@link GemmTuning} may choose another per CPU). float64 (gradient
 * checks, not speed) is a plain loop with the same row split.
 *
 * <p>An {@link Rows epilogue} (the plan's fused bias/activation loop) runs on each block of rows
 * of {@code c} in the task that completes it, while the block is still in cache.
 */
final class Gemm {
    /**
     * A GEMM's cache blocking: the depth of one pass over c ({@code kc}), rows of a per packed block
     * ({@code mc}, a multiple of every micro-kernel's {@code mr}: 4, 6 or 8) and columns of b per
     * packed block ({@code nc}, a multiple of every {@code nr}: 8 to 32). It changes speed, never
     * bits.
     */
    record Blocking(int kc, int mc, int nc) {
        /** Rows of a per block are a multiple of this (every micro-kernel's {@code mr} divides it). */
        static final int MC_STEP = 24;
        /** Columns of b per block are a multiple of this (every micro-kernel's {@code nr} divides it). */
        static final int NC_STEP = 32;
        /**
         * The blocking without tuning, and small products': 1024 x 96 x 1024. On a Zen 4 EPYC (one thread) passes
         * 1024 deep beat 384 by 4-14% once c is larger than the caches (1024³ 22.3 -> 20.6 ms, 2048³ 183 -> 165,
         * 4096x512x512 23.4 -> 20.7), since each pass loads and stores all of c; 1024 columns measured best of 512-4096.
         */
        static final Blocking DEFAULT = new Blocking(1024, 96, 1024);

        Blocking {
            if (kc < 1 || mc < MC_STEP || mc % MC_STEP != 0 || nc < NC_STEP || nc % NC_STEP != 0) {
                throw new IllegalArgumentException("a GEMM blocking needs kc >= 1, mc a positive multiple of " + MC_STEP
                        + " and nc a positive multiple of " + NC_STEP + ", not " + kc + " x " + mc + " x " + nc);
            }
        }

        /** As {@code "kc,mc,nc"}, the form {@link #parse} reads. */
        @Override
        public String toString() {
            return kc + "," + mc + "," + nc;
        }

        /** Reads {@code "kc,mc,nc"}. */
        static Blocking parse(String text) {
            String[] parts = text.trim().split(",");
            if (parts.length != 3) {
                throw new IllegalArgumentException("a GEMM blocking is \"kc,mc,nc\", not \"" + text + "\"");
            }
            return new Blocking(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                    Integer.parseInt(parts[2].trim()));
        }
    }
    /** Below this many multiply-adds a product runs on the calling thread. */
    static final long PARALLEL_FLOPS = 1L << 21;

    /** The micro-kernel: {@code c[mr x nr tile] (+)= packedA panel x packedB panel} over {@code kc}. */
    interface MicroKernel {
        /** Rows of its tile (a's panels are this high). */
        int mr();

        /** Columns of its tile (b's panels are this wide). */
        int nr();

        void tile(float[] pa, int aOff, float[] pb, int bOff, int kc, float[] c, int cOff, int ldc, int rows, int cols,
                boolean accumulate);
    }

    /** Work on rows {@code from <= i < to} of a finished product (a GEMM's fused epilogue). */
    @FunctionalInterface
    interface Rows {
        void rows(int from, int to);
    }

    private static final MicroKernel KERNEL = choose();
    private static final ThreadLocal<float[]> PACKED_A = new ThreadLocal<>();
    private static final ThreadLocal<PackedB> PACKED_B = ThreadLocal.withInitial(PackedB::new);

    /** A thread's packed block of b, and the pass of a product shared by threads it was packed for (else null). */
    private static final class PackedB {
        float[] panels;
        Object pass;
    }

    private Gemm() {
    }

    private static MicroKernel choose() {
        MicroKernel k = VectorSupport.gemmKernel();
        return k != null ? k : new ScalarKernel();
    }

    /** This thread's packing buffer of at least {@code size} floats (grown when a blocking needs more). */
    private static float[] packed(ThreadLocal<float[]> buffers, int size) {
        float[] buffer = buffers.get();
        if (buffer == null || buffer.length < size) {
            buffer = new float[size];
            buffers.set(buffer);
        }
        return buffer;
    }

    /** This thread's buffer for b's packed block, of at least {@code size} floats. */
    private static PackedB packedB(int size) {
        PackedB own = PACKED_B.get();
        if (own.panels == null || own.panels.length < size) {
            own.panels = new float[size];
        }
        return own;
    }

    /** The micro-kernel float32 products use. */
    static MicroKernel kernel() {
        return KERNEL;
    }

    /** Whether float32 products use the Vector API. */
    static boolean simd() {
        return VectorSupport.enabled();
    }

    /** {@code c = a @ b} for views {@code [..., n, k]} and {@code [..., k, m]}; {@code c} is dense {@code [..., n, m]}. */
    static void matmul(Object a, Layout la, Object b, Layout lb, Object c, Shape out) {
        matmul(a, la, b, lb, c, out, null);
    }

    /** As above; {@code epilogue} (rank-2 products only, or null) runs on every block of finished rows. */
    static void matmul(Object a, Layout la, Object b, Layout lb, Object c, Shape out, Rows epilogue) {
        matmul(a, null, la, b, null, lb, c, out, epilogue);
    }

    /**
     * As above, where a non-null {@code ga} or {@code gb} is a float32 operand read through its
     * gather ({@link Gathered}, the layout then views the gather's result) instead of an array.
     */
    static void matmul(Object a, Gathered ga, Layout la, Object b, Gathered gb, Layout lb, Object c, Shape out, Rows epilogue) {
        if (epilogue != null && out.rank() != 2) {
            throw new IllegalArgumentException("a GEMM epilogue needs a matrix product, not " + out);
        }
        matmul(a, ga, la, b, gb, lb, c, out, epilogue, null);
    }

    /** A batched product with {@code perBatch} run on each matrix of the batch (by its index) once it is finished. */
    static void matmulBatches(Object a, Gathered ga, Layout la, Object b, Gathered gb, Layout lb, Object c, Shape out,
            java.util.function.IntConsumer perBatch) {
        matmul(a, ga, la, b, gb, lb, c, out, null, perBatch);
    }

    private static void matmul(Object a, Gathered ga, Layout la, Object b, Gathered gb, Layout lb, Object c, Shape out,
            Rows epilogue, java.util.function.IntConsumer perBatch) {
        int r = out.rank();
        int n = out.dim(r - 2);
        int m = out.dim(r - 1);
        int k = la.shape().dim(r - 1);
        int batches = 1;
        for (int d = 0; d < r - 2; d++) {
            batches *= out.dim(d);
        }
        if (c instanceof float[] && batches > 1 && epilogue == null && (long) batches * n * m * k >= PARALLEL_FLOPS
                && rowBlocks(n, GemmTuning.blocking()) < dev.kiln.Kiln.numThreads()) {
            // a product with fewer row blocks than threads (a convolution's [O, L] per image) keeps the others idle:
            // the batch's products share the threads instead, each computed as alone (the same bits)
            Threads.forEach(batches, true, batch -> product(batch, a, ga, la, b, gb, lb, c, out, null, perBatch));
            return;
        }
        for (int batch = 0; batch < batches; batch++) { // on this thread, without a task object
            product(batch, a, ga, la, b, gb, lb, c, out, epilogue, perBatch);
        }
    }

    /** Matrix {@code batch} of a batched product (its operands located through the layouts' batch strides), then {@code perBatch}. */
    private static void product(int batch, Object a, Gathered ga, Layout la, Object b, Gathered gb, Layout lb, Object c, Shape out,
            Rows epilogue, java.util.function.IntConsumer perBatch) {
        int r = out.rank();
        int n = out.dim(r - 2);
        int m = out.dim(r - 1);
        int k = la.shape().dim(r - 1);
        int offA = la.offset();
        int offB = lb.offset();
        for (int d = r - 3, rest = batch; d >= 0; d--) {
            int at = rest % out.dim(d);
            rest /= out.dim(d);
            offA += at * la.stride(d);
            offB += at * lb.stride(d);
        }
        int offC = batch * n * m;
        if (c instanceof float[] fc) {
            sgemm((float[]) a, ga, offA, la.stride(r - 2), la.stride(r - 1), (float[]) b, gb, offB, lb.stride(r - 2),
                    lb.stride(r - 1), fc, offC, n, m, k, KERNEL, epilogue);
        } else {
            dgemm((double[]) a, offA, la.stride(r - 2), la.stride(r - 1), (double[]) b, offB, lb.stride(r - 2),
                    lb.stride(r - 1), (double[]) c, offC, n, m, k, epilogue);
        }
        if (perBatch != null) {
            perBatch.accept(batch);
        }
    }

    /** float32: {@code c[offC + i*m + j] = sum_p a[i, p] * b[p, j]} with the given row and column strides. */
    static void sgemm(float[] a, int offA, int ars, int acs, float[] b, int offB, int brs, int bcs, float[] c, int offC,
            int n, int m, int k) {
        sgemm(a, offA, ars, acs, b, offB, brs, bcs, c, offC, n, m, k, KERNEL, null);
    }

    /** As above, with the given micro-kernel (tests run the scalar one beside the SIMD one). */
    static void sgemm(float[] a, int offA, int ars, int acs, float[] b, int offB, int brs, int bcs, float[] c, int offC,
            int n, int m, int k, MicroKernel kernel, Rows epilogue) {
        sgemm(a, null, offA, ars, acs, b, null, offB, brs, bcs, c, offC, n, m, k, kernel, epilogue);
    }

    /** As above; a non-null {@code ga} or {@code gb} is read through its gather ({@link Gathered}) instead of its array. */
    static void sgemm(float[] a, Gathered ga, int offA, int ars, int acs, float[] b, Gathered gb, int offB, int brs, int bcs,
            float[] c, int offC, int n, int m, int k, MicroKernel kernel, Rows epilogue) {
        boolean parallel = (long) n * m * k >= PARALLEL_FLOPS;
        Blocking blocking = parallel ? GemmTuning.blocking() : Blocking.DEFAULT; // a small product never starts a search
        sgemm(a, ga, offA, ars, acs, b, gb, offB, brs, bcs, c, offC, n, m, k, kernel, blocking, parallel, epilogue);
    }

    /**
     * As above with the given blocking, on the calling thread alone unless {@code parallel} (the tuner
     * times blockings on one thread).
     */
    static void sgemm(float[] a, Gathered ga, int offA, int ars, int acs, float[] b, Gathered gb, int offB, int brs, int bcs,
            float[] c, int offC, int n, int m, int k, MicroKernel kernel, Blocking blocking, boolean parallel, Rows epilogue) {
        if (k == 0) {
            for (int i = 0; i < n; i++) {
                java.util.Arrays.fill(c, offC + i * m, offC + i * m + m, 0f);
            }
            if (epilogue != null) {
                epilogue.rows(0, n);
            }
            return;
        }
        int kcMax = blocking.kc();
        int ncMax = blocking.nc();
        int nr = kernel.nr();
        int mcMax = parallel ? rowStep(n, blocking.mc(), kernel.mr(), dev.kiln.Kiln.numThreads()) : blocking.mc();
        int rowBlocks = (n + mcMax - 1) / mcMax;
        int sizeB = Math.min(kcMax, k) * roundUp(Math.min(ncMax, m), nr);
        PackedB own = parallel ? null : packedB(sizeB);
        int kcStep = depthStep(k, kcMax);
        for (int jc = 0; jc < m; jc += ncMax) {
            int nc = Math.min(ncMax, m - jc);
            for (int pc = 0; pc < k; pc += kcStep) {
                int kc = Math.min(kcStep, k - pc);
                int from = offB + pc * brs + jc * bcs;
                if (!parallel) {
                    packBlock(b, gb, from, brs, bcs, kc, nc, own.panels, nr);
                    own.pass = null;
                }
                boolean accumulate = pc > 0;
                int column = jc;
                int depth = pc;
                // the last pass over a row block completes its rows (earlier column blocks are done)
                Rows finish = jc + ncMax >= m && pc + kcStep >= k ? epilogue : null;
                if (!parallel) { // on this thread, without a task object: a small product allocates nothing
                    for (int block = 0; block < rowBlocks; block++) {
                        rowBlock(block, mcMax, a, ga, offA, ars, acs, own.panels, c, offC, n, m, kc, nc, column, depth,
                                accumulate, kernel, finish);
                    }
                } else {
                    // each thread packs this block of b into its own buffer before its first row block of the pass:
                    // one buffer shared by the threads (each packing a part, then all waiting) was slower on two
                    // threads — 256³ 0.233 -> 0.203 ms, 512³ 1.54 -> 1.47, 4096x512x512 14.0 -> 13.3, never slower
                    Object pass = new Object();
                    Threads.forEach(rowBlocks, true, block -> {
                        PackedB mine = packedB(sizeB);
                        if (mine.pass != pass) {
                            packBlock(b, gb, from, brs, bcs, kc, nc, mine.panels, nr);
                            mine.pass = pass;
                        }
                        rowBlock(block, mcMax, a, ga, offA, ars, acs, mine.panels, c, offC, n, m, kc, nc, column, depth,
                                accumulate, kernel, finish);
                    });
                }
            }
        }
    }

    /**
     * The depth of each pass over c for a product of depth {@code k}: as many passes as {@code kcMax}
     * needs, of equal depth (a multiple of 8), so that no pass is a thin remainder — 512 at 384 is two
     * passes of 256, not 384 and 128 (a thin pass loads and stores all of c for little work).
     */
    static int depthStep(int k, int kcMax) {
        int passes = (k + kcMax - 1) / kcMax;
        return Math.min(kcMax, roundUp((k + passes - 1) / passes, 8));
    }

    /**
     * Rows per block for {@code n} rows shared among {@code threads}: at most {@code mcMax} (a multiple
     * of {@code mr}), and of the counts of blocks from the fewest up to twice that, the one whose
     * busiest thread has the fewest rows (fewer blocks on a tie) — 512 rows at 96 are 8 blocks of 64
     * on 2 threads (256 rows each), not 5 of 96 and one of 32 (288 rows against 224).
     */
    static int rowStep(int n, int mcMax, int mr, int threads) {
        int fewest = (n + mcMax - 1) / mcMax;
        int best = mcMax;
        long bestLoad = Long.MAX_VALUE;
        for (int blocks = fewest; blocks <= 2 * fewest; blocks++) {
            int step = Math.min(mcMax, roundUp((n + blocks - 1) / blocks, mr));
            int count = (n + step - 1) / step;
            // blocks dealt out in turn (thread t gets blocks t, t + threads, ...): the most blocks a thread gets, and
            // whether a thread with that many has no short last block (the last block's thread has as many as any)
            long most = (count + threads - 1) / threads;
            int withMost = count % threads == 0 ? threads : count % threads;
            long load = withMost > 1 ? most * step : most * step - ((long) count * step - n);
            if (load < bestLoad) {
                bestLoad = load;
                best = step;
            }
        }
        return best;
    }

    /** Blocks of rows of a for {@code n} rows. */
    private static int rowBlocks(int n, Blocking blocking) {
        return (n + blocking.mc() - 1) / blocking.mc();
    }

    private static int roundUp(int x, int step) {
        return (x + step - 1) / step * step;
    }

    /** Packs a {@code kc x nc} block of b (array or gather) into panels {@code nr} wide in {@code pb}. */
    private static void packBlock(float[] b, Gathered gb, int off, int brs, int bcs, int kc, int nc, float[] pb, int nr) {
        if (gb != null) {
            packB(gb, off, brs, bcs, kc, nc, pb, 0, nr);
        } else {
            packB(b, off, brs, bcs, kc, nc, pb, 0, nr);
        }
    }

    /** One block of {@code mcMax} rows of a column block and depth pass: packs its rows of a, runs the tiles, hands finished rows on. */
    private static void rowBlock(int block, int mcMax, float[] a, Gathered ga, int offA, int ars, int acs, float[] pb, float[] c,
            int offC, int n, int m, int kc, int nc, int column, int depth, boolean accumulate, MicroKernel kernel, Rows finish) {
        int ic = block * mcMax;
        int mc = Math.min(mcMax, n - ic);
        int mr = kernel.mr();
        float[] pa = packed(PACKED_A, roundUp(mc, mr) * kc);
        int nr = kernel.nr();
        if (ga != null) {
            packA(ga, offA + ic * ars + depth * acs, ars, acs, mc, kc, pa, mr);
        } else {
            packA(a, offA + ic * ars + depth * acs, ars, acs, mc, kc, pa, mr);
        }
        for (int jr = 0; jr < nc; jr += nr) {
            for (int ir = 0; ir < mc; ir += mr) {
                kernel.tile(pa, ir * kc, pb, jr * kc, kc, c, offC + (ic + ir) * m + column + jr, m,
                        Math.min(mr, mc - ir), Math.min(nr, nc - jr), accumulate);
            }
        }
        if (finish != null) {
            finish.rows(ic, ic + mc);
        }
    }

    /**
     * Packs a {@code kc x nc} block of b into panels {@code nr} wide from {@code pb[pbOff]}: panel j holds
     * rows p at {@code pbOff + j*kc*nr + p*nr}, zero-padded. Reads follow b's layout: rows copied whole
     * where b is row-major, columns walked down where it is a transposed view (its rows have unit stride).
     */
    private static void packB(float[] b, int off, int brs, int bcs, int kc, int nc, float[] pb, int pbOff, int nr) {
        if (bcs == 1) { // row-major
            copyRunsToPanels(b, off, brs, kc, nc, pb, pbOff, nr);
            return;
        }
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            int base = pbOff + jr * kc;
            if (brs == 1) {
                for (int j = 0; j < cols; j++) {
                    int src = off + (jr + j) * bcs;
                    for (int p = 0; p < kc; p++) {
                        pb[base + p * nr + j] = b[src + p];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = off + p * brs + jr * bcs;
                    int dst = base + p * nr;
                    for (int j = 0; j < cols; j++) {
                        pb[dst + j] = b[src + j * bcs];
                    }
                }
            }
            for (int p = 0; cols < nr && p < kc; p++) {
                java.util.Arrays.fill(pb, base + p * nr + cols, base + p * nr + nr, 0f);
            }
        }
    }

    /**
     * The first {@code count} floats of {@code depth} stored rows, {@code stride} apart from {@code off}, into panels
     * {@code width} wide from {@code dst[dstOff]} (the last one zero-padded): each row read once, in order, and its run
     * at column j copied to {@code dst[dstOff + j * depth + p * width]} — how b's rows and a transposed a's stored rows
     * are packed.
     */
    private static void copyRunsToPanels(float[] src, int off, int stride, int depth, int count, float[] dst, int dstOff,
            int width) {
        int full = count - count % width;
        int rest = count - full;
        for (int p = 0; p < depth; p++) {
            int from = off + p * stride;
            int to = dstOff + p * width;
            for (int j = 0; j < full; j += width) {
                System.arraycopy(src, from + j, dst, to + j * depth, width);
            }
            if (rest > 0) {
                int last = to + full * depth;
                System.arraycopy(src, from + full, dst, last, rest);
                java.util.Arrays.fill(dst, last + rest, last + width, 0f);
            }
        }
    }

    /**
     * Packs an {@code mc x kc} block of a into panels {@code mr} high: panel i holds column p at {@code
     * i*kc*mr + p*mr}, zero-padded. Reads follow a's layout: row by row where a is row-major, along the stored
     * rows where it is a transposed view (a weight gradient's {@code h^T}: its stored rows are a's columns).
     */
    private static void packA(float[] a, int off, int ars, int acs, int mc, int kc, float[] pa, int mr) {
        if (ars == 1 && acs != 1) { // a transposed view
            copyRunsToPanels(a, off, acs, kc, mc, pa, 0, mr);
            return;
        }
        for (int ir = 0; ir < mc; ir += mr) {
            int rows = Math.min(mr, mc - ir);
            int base = ir * kc;
            for (int i = 0; i < rows; i++) {
                int src = off + (ir + i) * ars;
                for (int p = 0; p < kc; p++) {
                    pa[base + i + p * mr] = a[src + p * acs];
                }
            }
            for (int i = rows; i < mr; i++) {
                for (int p = 0; p < kc; p++) {
                    pa[base + i + p * mr] = 0f;
                }
            }
        }
    }

    /** {@link #packB} reading through a gather: runs along b's unit-stride direction where it has one. */
    private static void packB(Gathered b, int off, int brs, int bcs, int kc, int nc, float[] pb, int pbOff, int nr) {
        if (bcs == 1) { // rows of b are runs of the gather: each row read once, across all panels
            for (int p = 0; p < kc; p++) {
                b.readPanels(off + p * brs, nc, pb, pbOff + p * nr, nr, kc * nr);
            }
            int cols = nc % nr;
            int base = pbOff + (nc - cols) * kc;
            for (int p = 0; cols > 0 && p < kc; p++) {
                java.util.Arrays.fill(pb, base + p * nr + cols, base + p * nr + nr, 0f);
            }
            return;
        }
        for (int jr = 0; jr < nc; jr += nr) { // bcs != 1 from here on
            int cols = Math.min(nr, nc - jr);
            int base = pbOff + jr * kc;
            if (brs == 1) {
                for (int j = 0; j < cols; j++) {
                    b.read(off + (jr + j) * bcs, kc, pb, base + j, nr);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = off + p * brs + jr * bcs;
                    for (int j = 0; j < cols; j++) {
                        b.read(src + j * bcs, 1, pb, base + p * nr + j, 1);
                    }
                }
            }
            for (int p = 0; cols < nr && p < kc; p++) {
                java.util.Arrays.fill(pb, base + p * nr + cols, base + p * nr + nr, 0f);
            }
        }
    }

    /** {@link #packA} reading through a gather. */
    private static void packA(Gathered a, int off, int ars, int acs, int mc, int kc, float[] pa, int mr) {
        for (int ir = 0; ir < mc; ir += mr) {
            int rows = Math.min(mr, mc - ir);
            int base = ir * kc;
            if (acs == 1 || ars != 1) {
                for (int i = 0; i < rows; i++) {
                    int src = off + (ir + i) * ars;
                    if (acs == 1) {
                        a.read(src, kc, pa, base + i, mr);
                    } else {
                        for (int p = 0; p < kc; p++) {
                            a.read(src + p * acs, 1, pa, base + i + p * mr, 1);
                        }
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    a.read(off + ir + p * acs, rows, pa, base + p * mr, 1);
                }
            }
            for (int i = rows; i < mr; i++) {
                for (int p = 0; p < kc; p++) {
                    pa[base + i + p * mr] = 0f;
                }
            }
        }
    }

    /** float64: rows split as tasks; each element summed in order of p in a double. */
    static void dgemm(double[] a, int offA, int ars, int acs, double[] b, int offB, int brs, int bcs, double[] c, int offC,
            int n, int m, int k) {
        dgemm(a, offA, ars, acs, b, offB, brs, bcs, c, offC, n, m, k, null);
    }

    static void dgemm(double[] a, int offA, int ars, int acs, double[] b, int offB, int brs, int bcs, double[] c, int offC,
            int n, int m, int k, Rows epilogue) {
        if ((long) n * m * k < PARALLEL_FLOPS) {
            for (int i = 0; i < n; i++) {
                dgemmRow(i, a, offA, ars, acs, b, offB, brs, bcs, c, offC, m, k, epilogue);
            }
        } else {
            Threads.forEach(n, true, i -> dgemmRow(i, a, offA, ars, acs, b, offB, brs, bcs, c, offC, m, k, epilogue));
        }
    }

    private static void dgemmRow(int i, double[] a, int offA, int ars, int acs, double[] b, int offB, int brs, int bcs,
            double[] c, int offC, int m, int k, Rows epilogue) {
        int row = offC + i * m;
        java.util.Arrays.fill(c, row, row + m, 0.0);
        for (int p = 0; p < k; p++) {
            double x = a[offA + i * ars + p * acs];
            int src = offB + p * brs;
            for (int j = 0; j < m; j++) {
                c[row + j] += x * b[src + j * bcs];
            }
        }
        if (epilogue != null) {
            epilogue.rows(i, i + 1);
        }
    }

    /** The micro-kernel in scalar Java, for JVMs started without {@code jdk.incubator.vector}: rows of c as contiguous loops. */
    static final class ScalarKernel implements MicroKernel {
        private static final int MR = 4;
        private static final int NR = 16;

        @Override
        public int mr() {
            return MR;
        }

        @Override
        public int nr() {
            return NR;
        }

        @Override
        public void tile(float[] pa, int aOff, float[] pb, int bOff, int kc, float[] c, int cOff, int ldc, int rows,
                int cols, boolean accumulate) {
            if (!accumulate) {
                for (int i = 0; i < rows; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + cols, 0f);
                }
            }
            for (int i = 0; i < rows; i++) { // the vector kernels' chain of fused multiply-adds, so their bits
                int row = cOff + i * ldc;
                for (int p = 0; p < kc; p++) {
                    float x = pa[aOff + p * MR + i];
                    int bp = bOff + p * NR;
                    for (int j = 0; j < cols; j++) {
                        c[row + j] = Math.fma(x, pb[bp + j], c[row + j]);
                    }
                }
            }
        }
    }
}
