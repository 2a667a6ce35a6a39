package dev.kiln.cpu;

import jdk.incubator.vector.FloatVector;

/** {@link VectorSupport.Probe} with the Vector API; loaded by name only where the module is. */
final class VectorProbe implements VectorSupport.Probe {
    @Override
    public int maxBits() {
        return FloatVector.SPECIES_MAX.vectorBitSize();
    }

    @Override
    public int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    @Override
    public Gemm.MicroKernel gemm(int bits) {
        return switch (bits) {
            case 128 -> new VectorGemm128();
            case 256 -> new VectorGemm256();
            case 512 -> new VectorGemm512();
            default -> throw new IllegalArgumentException("no " + bits + "-bit GEMM micro-kernel");
        };
    }

    @Override
    public IndexKernels.FloatArgmax argmax() {
        return new VectorArgmax();
    }

    @Override
    public AttentionKernels.FloatAttention attention() {
        return new VectorAttention();
    }
}
