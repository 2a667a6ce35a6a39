package dev.kiln.cpu;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where Kiln uses the Vector API ({@code jdk.incubator.vector}, still incubating in JDK 25): its
 * classes are loaded only by name, and only when the module is in the boot layer, so a JVM
 * started without {@code --add-modules jdk.incubator.vector} runs the scalar paths — and is told
 * so once, in one WARNING line that says how much slower they are.
 */
final class VectorSupport {
    private static final AtomicBoolean TOLD = new AtomicBoolean();
    /** What the Vector API offers here (loaded by name), or null where it is off. */
    private static final Probe PROBE = load();
    /** The vector width the emitted loops and the GEMM micro-kernel use, in bits (0 where the Vector API is off). */
    private static final int BITS = PROBE == null ? 0 : chooseBits(PROBE, System.getProperty("kiln.simd.bits"));
    private static final Gemm.MicroKernel GEMM = PROBE == null ? null : PROBE.gemm(BITS);
    private static final IndexKernels.FloatArgmax ARGMAX = PROBE == null ? null : PROBE.argmax();
    private static final AttentionKernels.FloatAttention ATTENTION = PROBE == null ? null : PROBE.attention();

    /** The Vector API's view of this CPU, in a class loaded only where the module is ({@link VectorProbe}). */
    interface Probe {
        /** The widest float vectors the JIT compiles to native instructions, in bits. */
        int maxBits();

        /** The width the JVM prefers on this CPU ({@code FloatVector.SPECIES_PREFERRED}). */
        int preferredBits();

        /** The float32 GEMM micro-kernel with vectors of {@code bits}. */
        Gemm.MicroKernel gemm(int bits);

        /** Max pooling's float32 window argmax in the JVM's preferred vectors. */
        IndexKernels.FloatArgmax argmax();

        /** Fused float32 attention in the JVM's preferred vectors. */
        AttentionKernels.FloatAttention attention();
    }

    private VectorSupport() {
    }

    /**
     * Whether kernels and products use the Vector API: the module is in the boot layer, the JIT
     * compiles float vectors of 128 bits or wider natively, and {@code -Dkiln.simd=false} does not
     * turn it off.
     */
    static boolean enabled() {
        return PROBE != null;
    }

    /**
     * The vector width in bits, chosen once at start: {@code -Dkiln.simd.bits} (128, 256 or 512) where
     * set, else the width the JVM prefers on this CPU — the widest it compiles natively (512 bits
     * on AVX-512, 256 on AVX2). 0 where the Vector API is off. Loops' sums add up per lane, so a
     * sum's rounding depends on the width (never on the thread count); GEMM results do not (each
     * element is one chain of multiply-adds over the depth, at any width).
     */
    static int bits() {
        return BITS;
    }

    /** Every width the Vector API runs natively here, narrowest first (tests run the vector paths at each). */
    static java.util.List<Integer> widths() {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int b = 128; PROBE != null && b <= Math.min(PROBE.maxBits(), 512); b *= 2) {
            out.add(b);
        }
        return out;
    }

    /** Max pooling's float32 window argmax in vectors, or null where the Vector API is off. */
    /** Fused float32 attention with the Vector API, or null without it (the double loops run). */
    static AttentionKernels.FloatAttention attention() {
        return ATTENTION;
    }

    static IndexKernels.FloatArgmax argmax() {
        return ARGMAX;
    }

    /** The micro-kernel for vectors of {@code bits} (one of {@link #widths()}). */
    static Gemm.MicroKernel gemmKernel(int bits) {
        if (!widths().contains(bits)) {
            throw new IllegalArgumentException("no " + bits + "-bit vectors here: the Vector API runs " + widths());
        }
        return PROBE.gemm(bits);
    }

    static int chooseBits(Probe probe, String forced) {
        int max = Math.min(probe.maxBits(), 512);
        if (forced == null || forced.isBlank()) {
            return Math.min(probe.preferredBits(), max);
        }
        int bits;
        try {
            bits = Integer.parseInt(forced.trim());
        } catch (NumberFormatException e) {
            bits = -1;
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("-Dkiln.simd.bits=" + forced + ": the vector width must be 128, 256 or 512");
        }
        if (bits > max) {
            throw new IllegalArgumentException("-Dkiln.simd.bits=" + forced + ": this CPU's vectors are at most " + max
                    + " bits (the JVM's MaxVectorSize)");
        }
        return bits;
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

    /** The Vector API GEMM micro-kernel at {@link #bits()}, or null when {@link #enabled()} is false. */
    static Gemm.MicroKernel gemmKernel() {
        return GEMM;
    }

    private static Probe load() {
        if ("false".equals(System.getProperty("kiln.simd"))) {
            return null;
        }
        Probe p = null;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                p = (Probe) Class.forName("dev.kiln.cpu.VectorProbe").getDeclaredConstructor().newInstance();
                p = p.maxBits() >= 128 ? p : null; // narrower vectors would be emulated, slower than scalar code
            } catch (ReflectiveOperationException | LinkageError e) {
                p = null;
            }
        }
        if (p == null) {
            noteScalar();
        }
        return p;
    }

    /**
     * What a JVM without the Vector API is told, once: the factor is measured (docs/embedding.md), not
     * guessed, because "slower" alone reads as a few percent.
     */
    static final String SCALAR_WARNING = "Kiln: jdk.incubator.vector is not enabled, so kernels run their scalar paths:"
            + " float32 matrix products run 35-90x slower (measured for 512x512: 65-185 ms against 1.7-4.7 ms with it), large"
            + " elementwise loops about 3x. Start the JVM with --add-modules jdk.incubator.vector";

    /** Logs once, at WARNING, that the scalar paths run. */
    private static void noteScalar() {
        if (TOLD.compareAndSet(false, true)) {
            System.getLogger("dev.kiln.cpu").log(Level.WARNING, SCALAR_WARNING);
        }
    }
}
