package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The vector width is chosen once: the JVM's preferred width, or {@code -Dkiln.simd.bits} where it names one this CPU runs. */
class SimdWidthTest {
    private record Cpu(int maxBits, int preferredBits) implements VectorSupport.Probe {
        @Override
        public Gemm.MicroKernel gemm(int bits) {
            throw new UnsupportedOperationException();
        }

        @Override
        public IndexKernels.FloatArgmax argmax() {
            throw new UnsupportedOperationException();
        }

        @Override
        public AttentionKernels.FloatAttention attention() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void withoutThePropertyTheJvmsPreferredWidthIsUsed() {
        assertEquals(512, VectorSupport.chooseBits(new Cpu(512, 512), null));
        assertEquals(256, VectorSupport.chooseBits(new Cpu(256, 256), ""));
        assertEquals(128, VectorSupport.chooseBits(new Cpu(128, 128), null));
        assertEquals(512, VectorSupport.chooseBits(new Cpu(1024, 2048), null), "no wider than the emitter writes");
    }

    @Test
    void thePropertyForcesAnyWidthTheCpuRuns() {
        Cpu avx512 = new Cpu(512, 512);
        assertEquals(128, VectorSupport.chooseBits(avx512, "128"));
        assertEquals(256, VectorSupport.chooseBits(avx512, " 256 "));
        assertEquals(512, VectorSupport.chooseBits(avx512, "512"));
    }

    @Test
    void aWidthThatIsNoneOrTooWideIsAClearError() {
        var notAWidth = assertThrows(IllegalArgumentException.class, () -> VectorSupport.chooseBits(new Cpu(512, 512), "300"));
        assertEquals("-Dkiln.simd.bits=300: the vector width must be 128, 256 or 512", notAWidth.getMessage());
        var words = assertThrows(IllegalArgumentException.class, () -> VectorSupport.chooseBits(new Cpu(512, 512), "wide"));
        assertTrue(words.getMessage().startsWith("-Dkiln.simd.bits=wide:"), words.getMessage());
        var tooWide = assertThrows(IllegalArgumentException.class, () -> VectorSupport.chooseBits(new Cpu(256, 256), "512"));
        assertEquals("-Dkiln.simd.bits=512: this CPU's vectors are at most 256 bits (the JVM's MaxVectorSize)",
                tooWide.getMessage());
    }

    @Test
    void thisJvmsWidthIsOneItRuns() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.enabled(), "the Vector API is not enabled in this JVM");
        assertTrue(VectorSupport.widths().contains(VectorSupport.bits()), VectorSupport.bits() + " in " + VectorSupport.widths());
        assertEquals(VectorSupport.bits(), VectorSupport.gemmKernel().nr() * 16, "two vectors per tile row");
        String forced = System.getProperty("kiln.simd.bits");
        if (forced != null) {
            assertEquals(Integer.parseInt(forced.trim()), VectorSupport.bits());
        }
    }
}
