package dev.kiln.cuda;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the CUDA libraries are: the driver ({@code libcuda.so.1}), NVRTC ({@code libnvrtc.so.13} or
 * older) and {@code nvcc}, the compiler used where NVRTC is missing. Each can be named by a system
 * property or an environment variable; otherwise the dynamic linker's search path (and, for nvcc,
 * the {@code PATH} and {@code /usr/local/cuda/bin}) is asked.
 *
 * @param driver the driver library: a path, or a soname the dynamic linker finds
 * @param nvrtc the NVRTC library candidates, first found wins
 * @param nvcc the nvcc executable, or null where there is none
 */
record Libraries(String driver, List<String> nvrtc, Path nvcc) {
    static final String DRIVER_PROPERTY = "kiln.cuda.driver";
    static final String DRIVER_ENV = "KILN_CUDA_DRIVER";
    static final String NVRTC_PROPERTY = "kiln.cuda.nvrtc";
    static final String NVRTC_ENV = "KILN_CUDA_NVRTC";
    static final String NVCC_PROPERTY = "kiln.cuda.nvcc";
    static final String NVCC_ENV = "KILN_CUDA_NVCC";

    /** The libraries as this JVM's properties and environment name them. */
    static Libraries fromEnvironment() {
        String driver = setting(DRIVER_PROPERTY, DRIVER_ENV);
        String nvrtc = setting(NVRTC_PROPERTY, NVRTC_ENV);
        String nvcc = setting(NVCC_PROPERTY, NVCC_ENV);
        return new Libraries(driver != null ? driver : "libcuda.so.1",
                nvrtc != null ? List.of(nvrtc) : List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"),
                nvcc != null ? Path.of(nvcc) : findNvcc());
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v;
    }

    private static Path findNvcc() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** How to point Kiln at the driver, for error messages. */
    static String driverHint() {
        return "install the NVIDIA driver, or point Kiln at libcuda.so.1 with -D" + DRIVER_PROPERTY + "=PATH or " + DRIVER_ENV + "=PATH";
    }

    /** How to point Kiln at a compiler, for error messages. */
    static String compilerHint() {
        return "Kiln compiles its kernels with NVRTC (libnvrtc.so, in the CUDA toolkit or the nvidia-cuda-nvrtc wheel): point Kiln at it"
                + " with -D" + NVRTC_PROPERTY + "=PATH or " + NVRTC_ENV + "=PATH, or put nvcc on the PATH (or -D" + NVCC_PROPERTY + "=PATH)";
    }
}
