package dev.kiln.cpu;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where Kiln uses the Vector API ({@code jdk.incubator.vector}, still incubating in JDK 25): its
 * classes are loaded only by name, and only when the module is in the boot layer, so a JVM
 * started without {@code --add-modules jdk.incubator.vector} runs the scalar paths — and is told
 * so once, in one log line.
 */
final class VectorSupport {
    private static final AtomicBoolean TOLD = new AtomicBoolean();

    private VectorSupport() {
    }

    /** The Vector API GEMM micro-kernel, or null when this CPU's vectors are narrower than 256 bits. */
    static Gemm.MicroKernel gemmKernel() {
        try {
            Object k = Class.forName("dev.kiln.cpu.VectorGemm").getDeclaredConstructor().newInstance();
            return ((java.util.function.BooleanSupplier) k).getAsBoolean() ? (Gemm.MicroKernel) k : null;
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** Logs once that the scalar paths run. */
    static void noteScalar() {
        if (TOLD.compareAndSet(false, true)) {
            System.getLogger("dev.kiln.cpu").log(Level.INFO, "Kiln: jdk.incubator.vector is not enabled, so kernels"
                    + " run their scalar paths; start the JVM with --add-modules jdk.incubator.vector for SIMD");
        }
    }
}
