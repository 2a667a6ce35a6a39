package dev.kiln.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;
import java.util.function.ToDoubleFunction;

/**
 * The float32 GEMM's cache blocking ({@link Gemm.Blocking}) for the CPU it runs on: chosen once per
 * process, at the first product large enough to run on several threads, as ATLAS and tinygrad's
 * search do — a short search (about 1.5 seconds on a 2-core machine) over depth, row and column blocks, timed on one
 * thread, whose result is kept per CPU model, micro-kernel, JDK and search version in {@code gemm-blocking.properties}
 * under Kiln's cache folder, so later processes read it instead of searching. The blocking changes
 * speed only: every element is the same chain of fused multiply-adds whatever the blocking.
 *
 * <p>Settings (system properties): {@code kiln.gemm.tune=false} skips both the search and the cache
 * (the default blocking, 1024 x 96 x 1024); {@code kiln.gemm.blocking=kc,mc,nc} sets one; {@code
 * kiln.cache.dir} moves the cache folder (default {@code $XDG_CACHE_HOME/kiln}, else {@code
 * ~/.cache/kiln}). A cache that cannot be read or written is left alone: the search's choice then
 * lasts for the process.
 */
final class GemmTuning {
    private static final System.Logger LOG = System.getLogger("dev.kiln.cpu");
    static final String FILE = "gemm-blocking.properties";
    /**
     * Depths tried, then rows, then columns (each search step keeps the best so far for the others). The
     * workload's depth must tell every candidate depth apart ({@link Workload#separates}): passes of equal depth
     * made 512 and 384 the same two passes of 384 for a workload 768 deep, so deeper passes were never timed.
     */
    static final List<Integer> DEPTHS = List.of(128, 192, 256, 384, 512, 1024);
    static final List<Integer> ROWS = List.of(48, 72, 96, 144, 192);
    static final List<Integer> COLUMNS = List.of(512, 1024, 2048, 4096);
    /** A candidate replaces the best so far only when this much faster (timings on a shared machine are noisy). */
    static final double MARGIN = 0.03;

    private static volatile Gemm.Blocking chosen;

    private GemmTuning() {
    }

    /** The blocking for this process: set, cached, or searched for now (once). */
    static Gemm.Blocking blocking() {
        Gemm.Blocking b = chosen;
        if (b != null) {
            return b;
        }
        synchronized (GemmTuning.class) {
            if (chosen == null) {
                chosen = resolve();
            }
            return chosen;
        }
    }

    private static Gemm.Blocking resolve() {
        String set = System.getProperty("kiln.gemm.blocking");
        if (set != null) {
            try {
                return Gemm.Blocking.parse(set);
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "kiln.gemm.blocking ignored: " + e.getMessage());
            }
        }
        if (!Boolean.parseBoolean(System.getProperty("kiln.gemm.tune", "true"))) {
            return Gemm.Blocking.DEFAULT;
        }
        Gemm.MicroKernel kernel = Gemm.kernel();
        return cachedOrSearched(cacheDir(), key(kernel), kernel, Workload.DEFAULT);
    }

    /** The cached choice under {@code key} in {@code dir}, else a search's, then cached there (a null dir caches nothing). */
    static Gemm.Blocking cachedOrSearched(Path dir, String key, Gemm.MicroKernel kernel, Workload workload) {
        Path file = dir == null ? null : dir.resolve(FILE);
        Properties cache = read(file);
        String cached = cache.getProperty(key);
        if (cached != null) {
            try {
                return Gemm.Blocking.parse(cached);
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "the GEMM blocking cached in " + file + " for " + key + " is ignored: " + e.getMessage());
            }
        }
        long start = System.nanoTime();
        Gemm.Blocking best = search(kernel, workload);
        LOG.log(Level.DEBUG, () -> String.format("GEMM blocking for %s: %s (searched in %.0f ms)", key, best,
                (System.nanoTime() - start) / 1e6));
        if (file != null) {
            cache.setProperty(key, best.toString());
            write(file, cache);
        }
        return best;
    }

    /** The product the search times, and how often. */
    record Workload(int n, int k, int m, int repeats) {
        /**
         * About 2.1 GFLOP a product: long enough that c and b no longer fit the caches of one core, and 1024 deep,
         * so that each candidate depth makes passes of its own depth (128 x 8, 176 x 6, 256 x 4, 344 x 3, 512 x 2, 1024).
         */
        static final Workload DEFAULT = new Workload(1024, 1024, 1024, 3);

        /** Whether no two of {@code depths} cut this workload into passes of the same depth (else the search cannot tell them apart). */
        boolean separates(List<Integer> depths) {
            return depths.stream().map(d -> Gemm.depthStep(k, d)).distinct().count() == depths.size();
        }
    }

    /** Coordinate search from the default: the fastest depth, then row block, then column block, each timed as the best of a few runs. */
    static Gemm.Blocking search(Gemm.MicroKernel kernel, Workload w) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        float[] a = new float[w.n() * w.k()];
        float[] b = new float[w.k() * w.m()];
        float[] c = new float[w.n() * w.m()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextDouble(-1, 1);
        }
        ToDoubleFunction<Gemm.Blocking> timer = blocking -> time(blocking, kernel, w, a, b, c);
        timer.applyAsDouble(Gemm.Blocking.DEFAULT); // the compiler's warm-up
        return search(timer);
    }

    /**
     * The coordinate search with {@code timer} (a blocking's time for the workload). A candidate that looks
     * {@link #MARGIN} faster than the best so far is compared with the best timed again at once: a shared host's
     * slow moment makes a timing longer, never shorter, so a best timed in one would let any candidate replace it.
     */
    static Gemm.Blocking search(ToDoubleFunction<Gemm.Blocking> timer) {
        Gemm.Blocking best = Gemm.Blocking.DEFAULT;
        double bestTime = timer.applyAsDouble(best);
        for (int step = 0; step < 3; step++) {
            List<Integer> values = step == 0 ? DEPTHS : step == 1 ? ROWS : COLUMNS;
            Gemm.Blocking base = best;
            for (int v : values) {
                Gemm.Blocking candidate = step == 0 ? new Gemm.Blocking(v, base.mc(), base.nc())
                        : step == 1 ? new Gemm.Blocking(base.kc(), v, base.nc()) : new Gemm.Blocking(base.kc(), base.mc(), v);
                if (candidate.equals(base)) {
                    continue;
                }
                double t = timer.applyAsDouble(candidate);
                if (t < bestTime * (1 - MARGIN)) {
                    bestTime = Math.min(bestTime, timer.applyAsDouble(best));
                    if (t < bestTime * (1 - MARGIN)) {
                        best = candidate;
                        bestTime = t;
                    }
                }
            }
        }
        return best;
    }

    /** The best of the workload's runs with this blocking, in nanoseconds, on the calling thread. */
    private static double time(Gemm.Blocking blocking, Gemm.MicroKernel kernel, Workload w, float[] a, float[] b, float[] c) {
        long best = Long.MAX_VALUE;
        for (int r = 0; r < w.repeats(); r++) {
            long t0 = System.nanoTime();
            Gemm.sgemm(a, null, 0, w.k(), 1, b, null, 0, w.m(), 1, c, 0, w.n(), w.m(), w.k(), kernel, blocking, false, null);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }

    /**
     * The search's version in cache keys: a choice cached by an earlier search (one that could not try deeper passes)
     * is searched again.
     */
    static final int SEARCH = 2;

    /**
     * What a cached choice is valid for: the CPU model, the micro-kernel (its width and tile), the JDK's feature release
     * and the search's version.
     */
    static String key(Gemm.MicroKernel kernel) {
        return cpuModel() + " / " + kernel.getClass().getSimpleName() + " " + kernel.mr() + "x" + kernel.nr() + " / java "
                + Runtime.version().feature() + " / search " + SEARCH;
    }

    /** The CPU's model name from /proc/cpuinfo, else the architecture and processor count. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch") + " x" + Runtime.getRuntime().availableProcessors();
    }

    /** {@code kiln.cache.dir}, else {@code $XDG_CACHE_HOME/kiln}, else {@code ~/.cache/kiln}; null when none can be named. */
    static Path cacheDir() {
        String set = System.getProperty("kiln.cache.dir");
        if (set != null) {
            return Path.of(set);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "kiln");
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() ? null : Path.of(home, ".cache", "kiln");
    }

    private static Properties read(Path file) {
        Properties p = new Properties();
        if (file != null && Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                LOG.log(Level.WARNING, "the GEMM blocking cache " + file + " could not be read (" + e.getMessage() + "): searching again");
                p.clear();
            }
        }
        return p;
    }

    /** Writes beside the file and moves it into place, so a reader never sees half a file. */
    private static void write(Path file, Properties p) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), FILE, ".tmp");
            try (OutputStream out = Files.newOutputStream(temp)) {
                p.store(out, "Kiln's GEMM blocking per CPU model, micro-kernel and JDK: kc,mc,nc (delete to search again)");
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            LOG.log(Level.DEBUG, "the GEMM blocking cache " + file + " was not written: " + e.getMessage());
        }
    }
}
