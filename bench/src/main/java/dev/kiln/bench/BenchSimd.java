package dev.kiln.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The species of the hand-written baselines: Kiln's rule, {@code -Dkiln.simd.bits} where set, else
 * the JVM's preferred width — so a baseline and Kiln run at the same width in one fork (JMH:
 * {@code -jvmArgsAppend -Dkiln.simd.bits=256}). A static final field, so C2 treats it as a constant
 * (the Vector API is only fast with constant species).
 */
final class BenchSimd {
    static final VectorSpecies<Float> FLOAT = species();

    private BenchSimd() {
    }

    private static VectorSpecies<Float> species() {
        String bits = System.getProperty("kiln.simd.bits");
        return bits == null ? FloatVector.SPECIES_PREFERRED
                : VectorSpecies.of(float.class, VectorShape.forBitSize(Integer.parseInt(bits.trim())));
    }
}
