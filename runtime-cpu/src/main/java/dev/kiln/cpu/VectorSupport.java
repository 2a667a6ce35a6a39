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
    private static final Gemm.MicroKernel GEMM = load();

    private VectorSupport() {
    }

    /**
     * Whether kernels and products use the Vector API: the module is in the boot layer, this CPU's
     * vectors are 256 bits or wider, and {@code -Dkiln.simd=false} does not turn it off.
     */
    static boolean enabled() {
        return GEMM != null;
    }

    private static final boolean FMA = hardwareFma();

    /**
     * Whether vector loops may contract multiply-adds: the CPU has FMA (HotSpot's {@code UseFMA}),
     * so the Vector API's {@code fma} is one instruction, not its very slow exact emulation.
     */
    static boolean fma() {
        return FMA && enabled();
    }

    private static boolean hardwareFma() {
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean != null && Boolean.parseBoolean(bean.getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return false; // not HotSpot: separate multiply and add
        }
    }

    /** The Vector API GEMM micro-kernel, or null when {@link #enabled()} is false. */
    static Gemm.MicroKernel gemmKernel() {
        return GEMM;
    }

    private static Gemm.MicroKernel load() {
        if ("false".equals(System.getProperty("kiln.simd"))) {
            return null;
        }
        Gemm.MicroKernel k = null;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                Object v = Class.forName("dev.kiln.cpu.VectorGemm").getDeclaredConstructor().newInstance();
                k = ((java.util.function.BooleanSupplier) v).getAsBoolean() ? (Gemm.MicroKernel) v : null;
            } catch (ReflectiveOperationException | LinkageError e) {
                k = null;
            }
        }
        if (k == null) {
            noteScalar();
        }
        return k;
    }

    /** Logs once that the scalar paths run. */
    private static void noteScalar() {
        if (TOLD.compareAndSet(false, true)) {
            System.getLogger("dev.kiln.cpu").log(Level.INFO, "Kiln: jdk.incubator.vector is not enabled, so kernels"
                    + " run their scalar paths; start the JVM with --add-modules jdk.incubator.vector for SIMD");
        }
    }
}
