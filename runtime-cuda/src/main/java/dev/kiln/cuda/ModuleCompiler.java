package dev.kiln.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CUDA C to CUBIN for one device architecture: NVRTC where it loads, else {@code nvcc -cubin}; with
 * neither, a {@link CudaError} that says how to point Kiln at one. Compiled images are kept on disk,
 * keyed by a hash of the compiler, the options and the source, so a second JVM loads them without
 * compiling ({@code -Dkiln.cuda.cacheDir=DIR} moves the folder, {@code -Dkiln.cuda.diskCache=false}
 * turns it off).
 */
final class ModuleCompiler {
    private final Nvrtc nvrtc;
    private final Path nvcc;
    private final String arch;
    private final Path cacheDir;
    /** Images compiled here (not found on disk), for tests and the report. */
    final AtomicLong compiled = new AtomicLong();
    /** Images read from the disk cache. */
    final AtomicLong loadedFromDisk = new AtomicLong();

    ModuleCompiler(Libraries libraries, int major, int minor) {
        this.nvrtc = Nvrtc.load(libraries.nvrtc());
        this.nvcc = nvrtc == null ? libraries.nvcc() : null;
        this.arch = "sm_" + major + minor;
        this.cacheDir = cacheDir();
    }

    private static Path cacheDir() {
        if ("false".equals(System.getProperty("kiln.cuda.diskCache"))) {
            return null;
        }
        String dir = System.getProperty("kiln.cuda.cacheDir");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("kiln/cuda");
    }

    /** Which compiler runs, for reports: {@code NVRTC 13.0 (libnvrtc.so.13)} or {@code nvcc (/usr/local/cuda/bin/nvcc)}. */
    String describe() {
        if (nvrtc != null) {
            return "NVRTC " + nvrtc.version() + " (" + nvrtc.library + ")";
        }
        return nvcc != null ? "nvcc (" + nvcc + ")" : "no compiler";
    }

    /** The architecture compiled for, as {@code sm_90}. */
    String arch() {
        return arch;
    }

    /** The CUBIN of {@code source} compiled with {@code options} (besides the architecture). */
    byte[] compile(String source, List<String> options) {
        if (nvrtc == null && nvcc == null) {
            throw new CudaError("no CUDA C compiler: " + Libraries.compilerHint());
        }
        String key = key(source, options);
        Path cached = cacheDir == null ? null : cacheDir.resolve(key + ".cubin");
        if (cached != null && Files.isRegularFile(cached)) {
            try {
                byte[] image = Files.readAllBytes(cached);
                loadedFromDisk.incrementAndGet();
                return image;
            } catch (IOException e) {
                // unreadable: compile again below
            }
        }
        byte[] image = nvrtc != null ? nvrtc.compile(source, "kiln_module.cu", nvrtcOptions(options)) : withNvcc(source, options);
        compiled.incrementAndGet();
        if (cached != null) {
            store(cached, image);
        }
        return image;
    }

    private List<String> nvrtcOptions(List<String> options) {
        List<String> all = new ArrayList<>();
        all.add("--gpu-architecture=" + arch);
        all.addAll(options);
        return all;
    }

    private byte[] withNvcc(String source, List<String> options) {
        try {
            Path dir = Files.createTempDirectory("kiln-nvcc");
            try {
                Path cu = dir.resolve("kiln_module.cu");
                Path out = dir.resolve("kiln_module.cubin");
                Files.writeString(cu, source, StandardCharsets.UTF_8);
                List<String> command = new ArrayList<>(List.of(nvcc.toString(), "-cubin", "-arch=" + arch));
                command.addAll(options);
                command.addAll(List.of("-o", out.toString(), cu.toString()));
                Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
                byte[] log = p.getInputStream().readAllBytes();
                if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new CudaError("nvcc (" + nvcc + ") could not compile a Kiln module:\n" + new String(log, StandardCharsets.UTF_8));
                }
                return Files.readAllBytes(out);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new CudaError("nvcc (" + nvcc + ") could not be run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CudaError("interrupted while nvcc compiled a Kiln module", e);
        }
    }

    private String key(String source, List<String> options) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String compiler = nvrtc != null ? "nvrtc " + nvrtc.version() : "nvcc " + nvcc;
            sha.update((compiler + "\n" + arch + "\n" + String.join(" ", options) + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the image beside its final name and moves it there, so a reader never sees half a file. */
    private static void store(Path target, byte[] image) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "kiln", ".part");
            Files.write(tmp, image);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // the cache is an optimization: a folder we cannot write costs a compile next time, nothing more
        }
    }
}
