package dev.kiln.cuda.mock;

import dev.kiln.cuda.emu.Emulator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The mock CUDA driver, NVRTC and NCCL (test support, see docs/cuda.md "The mock driver"): builds
 * {@code libkilnmockcuda.so}, {@code libkilnmocknvrtc.so} and {@code libkilnmocknccl.so} from
 * {@code mock_cuda.cpp}, {@code mock_nvrtc.cpp} and {@code mock_nccl.cpp} with g++ once per JVM, under {@code target/mock-cuda/<hash of the sources>/}
 * (an existing build with the same hash is reused), and calls their test hooks. Load the libraries
 * by the paths {@link #build()} returns: the same path is the same library, so the hooks see the
 * state the code under test changes.
 */
public final class MockCuda {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final List<String> FLAGS = List.of("-std=c++20", "-O1", "-fPIC", "-shared", "-pthread");
    private static Libraries built;
    private static Hooks hooks;
    private static MethodHandle ncclStatsHook;

    /** The three libraries' paths. */
    public record Libraries(Path cuda, Path nvrtc, Path nccl) {
    }

    /**
     * The mock NCCL's counters since the JVM loaded it: unique ids made, communicators created and
     * destroyed, all-reduces, broadcasts and all-gathers run, communicators alive now.
     */
    public record NcclStats(long uniqueIds, long commInits, long commDestroys, long allReduces, long broadcasts, long allGathers,
            long liveComms) {
    }

    /**
     * The mock's counters since the last {@link #reset()}: cuMemAlloc and cuMemFree calls that succeeded,
     * bytes allocated now, kernels run (launched directly or replayed by a graph), graph launches,
     * modules loaded, NVRTC compiles (g++ runs) and their nanoseconds, copies run (direct or replayed).
     */
    public record Stats(long allocs, long frees, long liveBytes, long kernelLaunches, long graphLaunches, long modulesLoaded,
            long nvrtcCompiles, long nvrtcCompileNanos, long memcpys) {
    }

    private record Hooks(MethodHandle reset, MethodHandle nvrtcReset, MethodHandle limit, MethodHandle failNext, MethodHandle stats,
            MethodHandle nvrtcStats) {
    }

    private MockCuda() {
    }

    /** Whether the mock can be built here: g++ on the PATH and CUDA's {@code cuda.h} found. */
    public static boolean available() {
        return Emulator.Tools.onPath("g++") && cudaInclude() != null;
    }

    /** The directory of {@code cuda.h}: /usr/local/cuda/include, else nvcc's {@code ../include}; null if neither. */
    static Path cudaInclude() {
        Path usual = Path.of("/usr/local/cuda/include");
        if (Files.isRegularFile(usual.resolve("cuda.h"))) {
            return usual;
        }
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
            Path nvcc = Path.of(dir, "nvcc");
            if (Files.isExecutable(nvcc)) {
                try {
                    Path include = nvcc.toRealPath().getParent().resolveSibling("include");
                    if (Files.isRegularFile(include.resolve("cuda.h"))) {
                        return include;
                    }
                } catch (IOException e) {
                    // a dangling link: look further along the PATH
                }
            }
        }
        return null;
    }

    /**
     * Points this JVM's CUDA runtime at the mock (the {@code kiln.cuda.driver}, {@code kiln.cuda.nvrtc}
     * and {@code kiln.cuda.nccl} properties), building it first; call before the first CUDA tensor is made.
     */
    public static synchronized void install() {
        Libraries libs = build();
        System.setProperty("kiln.cuda.driver", libs.cuda().toString());
        System.setProperty("kiln.cuda.nvrtc", libs.nvrtc().toString());
        System.setProperty("kiln.cuda.nccl", libs.nccl().toString());
    }

    /** Builds the libraries (once per JVM; reused from target/mock-cuda when the sources are unchanged). */
    public static synchronized Libraries build() {
        if (built != null) {
            return built;
        }
        Path include = cudaInclude();
        if (include == null || !Emulator.Tools.onPath("g++")) {
            throw new IllegalStateException("the mock CUDA driver needs g++ on the PATH and CUDA's cuda.h");
        }
        byte[] cuda = resource(MockCuda.class, "mock_cuda.cpp");
        byte[] nvrtc = resource(MockCuda.class, "mock_nvrtc.cpp");
        byte[] emu = resource(Emulator.class, "kiln_emu.h");
        byte[] nccl = resource(MockCuda.class, "mock_nccl.cpp");
        Path root = targetDir().resolve("mock-cuda");
        Path dir = root.resolve(hash(cuda, nvrtc, emu, nccl, (include + " " + FLAGS).getBytes()));
        Libraries libs = new Libraries(dir.resolve("libkilnmockcuda.so"), dir.resolve("libkilnmocknvrtc.so"), dir.resolve("libkilnmocknccl.so"));
        if (!Files.isRegularFile(libs.cuda()) || !Files.isRegularFile(libs.nvrtc()) || !Files.isRegularFile(libs.nccl())) {
            compileInto(root, dir, include, cuda, nvrtc, emu, nccl);
        }
        built = libs;
        return built;
    }

    /** Compiles in a fresh directory and renames it into place, so that JVMs racing to build never see half a build. */
    private static void compileInto(Path root, Path dir, Path include, byte[] cuda, byte[] nvrtc, byte[] emu, byte[] nccl) {
        try {
            Files.createDirectories(root);
            Path tmp = Files.createTempDirectory(root, "build-");
            try {
                Files.write(tmp.resolve("mock_cuda.cpp"), cuda);
                Files.write(tmp.resolve("mock_nvrtc.cpp"), nvrtc);
                Files.write(tmp.resolve("kiln_emu.h"), emu);
                Files.write(tmp.resolve("mock_nccl.cpp"), nccl);
                List<String> cu = new ArrayList<>(List.of("g++"));
                cu.addAll(FLAGS);
                cu.addAll(List.of("-I" + include, "-o", "libkilnmockcuda.so", "mock_cuda.cpp"));
                Emulator.Tools.run(tmp, cu, 300);
                List<String> rtc = new ArrayList<>(List.of("g++"));
                rtc.addAll(FLAGS);
                // the modules it compiles include kiln_emu.h from the final directory, where the rename below puts it
                rtc.addAll(List.of("-DKILN_MOCK_EMU_DIR=\"" + dir.toAbsolutePath() + "\"", "-o", "libkilnmocknvrtc.so", "mock_nvrtc.cpp"));
                Emulator.Tools.run(tmp, rtc, 300);
                List<String> nc = new ArrayList<>(List.of("g++"));
                nc.addAll(FLAGS);
                nc.addAll(List.of("-o", "libkilnmocknccl.so", "mock_nccl.cpp"));
                Emulator.Tools.run(tmp, nc, 300);
                try {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileSystemException e) {
                    if (!Files.isRegularFile(dir.resolve("libkilnmocknccl.so"))) {
                        throw e;
                    } // else another JVM finished the same build first (rename(2) onto its directory: ENOTEMPTY)
                }
            } finally {
                deleteTree(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Back to a freshly loaded driver and NVRTC: everything freed, not initialized, no failures, default memory limit, counters zero. */
    public static void reset() {
        call(() -> {
            hooks().reset().invokeExact();
            hooks().nvrtcReset().invokeExact();
            return null;
        });
    }

    /** The device memory limit (1 GiB after {@link #reset()}): allocations beyond it fail with CUDA_ERROR_OUT_OF_MEMORY. */
    public static void setMemoryLimit(long bytes) {
        call(() -> {
            hooks().limit().invokeExact(bytes);
            return null;
        });
    }

    /** The next cuLaunchKernel returns {@code cuResult} without running; a sticky one (e.g. 719) fails every later call. */
    public static void failNextLaunch(int cuResult) {
        call(() -> {
            hooks().failNext().invokeExact(cuResult);
            return null;
        });
    }

    /** The counters since the last reset. */
    public static Stats stats() {
        return call(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment c = a.allocate(ValueLayout.JAVA_LONG, 7);
                MemorySegment n = a.allocate(ValueLayout.JAVA_LONG, 2);
                int cn = (int) hooks().stats().invokeExact(c, 7);
                int nn = (int) hooks().nvrtcStats().invokeExact(n, 2);
                if (cn != 7 || nn != 2) {
                    throw new IllegalStateException("the mock reported " + cn + " and " + nn + " counters, expected 7 and 2");
                }
                long[] v = c.toArray(ValueLayout.JAVA_LONG);
                long[] w = n.toArray(ValueLayout.JAVA_LONG);
                return new Stats(v[0], v[1], v[2], v[3], v[4], v[5], w[0], w[1], v[6]);
            }
        });
    }

    /** The mock NCCL's counters (they are never reset: compare before and after). */
    public static NcclStats ncclStats() {
        return call(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment c = a.allocate(ValueLayout.JAVA_LONG, 7);
                int n = (int) ncclStatsHook().invokeExact(c, 7);
                if (n != 7) {
                    throw new IllegalStateException("the mock NCCL reported " + n + " counters, expected 7");
                }
                long[] v = c.toArray(ValueLayout.JAVA_LONG);
                return new NcclStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
            }
        });
    }

    private static synchronized MethodHandle ncclStatsHook() {
        if (ncclStatsHook == null) {
            SymbolLookup nccl = SymbolLookup.libraryLookup(build().nccl(), Arena.global());
            ncclStatsHook = handle(nccl, "kilnMockNcclStats", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        }
        return ncclStatsHook;
    }

    private static synchronized Hooks hooks() {
        if (hooks == null) {
            Libraries libs = build();
            SymbolLookup cu = SymbolLookup.libraryLookup(libs.cuda(), Arena.global());
            SymbolLookup rtc = SymbolLookup.libraryLookup(libs.nvrtc(), Arena.global());
            FunctionDescriptor counters = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
            hooks = new Hooks(handle(cu, "kilnMockReset", FunctionDescriptor.ofVoid()), handle(rtc, "kilnMockNvrtcReset", FunctionDescriptor.ofVoid()),
                    handle(cu, "kilnMockSetMemoryLimit", FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG)),
                    handle(cu, "kilnMockFailNextLaunch", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)), handle(cu, "kilnMockStats", counters),
                    handle(rtc, "kilnMockNvrtcStats", counters));
        }
        return hooks;
    }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException("the mock does not export " + name)), d);
    }

    private interface NativeCall<T> {
        T run() throws Throwable;
    }

    private static <T> T call(NativeCall<T> c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static byte[] resource(Class<?> near, String name) {
        try (InputStream in = near.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name + " beside " + near.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hash(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The module's target directory: the parent of the test classes' directory. */
    private static Path targetDir() {
        try {
            return Path.of(MockCuda.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
