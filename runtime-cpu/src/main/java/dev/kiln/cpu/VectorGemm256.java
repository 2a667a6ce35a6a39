package dev.kiln.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernel with 256-bit vectors ({@link VectorGemm}): a 6 x 16 tile; six rows: twelve
 * accumulators, two b vectors and a broadcast fit the sixteen vector registers of SSE and AVX2.
 */
final class VectorGemm256 extends VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int LANES = 8;
    private static final int MR = 6;
    private static final int NR = 2 * LANES;

    VectorGemm256() {
        super(MR, NR);
    }

    @Override
    void full(float[] pa, int aOff, float[] pb, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, cOff) : zero;
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, cOff + LANES) : zero;
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, cOff + ldc) : zero;
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, c, cOff + ldc + LANES) : zero;
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, cOff + 2 * ldc) : zero;
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, c, cOff + 2 * ldc + LANES) : zero;
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, cOff + 3 * ldc) : zero;
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, c, cOff + 3 * ldc + LANES) : zero;
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, c, cOff + 4 * ldc) : zero;
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, c, cOff + 4 * ldc + LANES) : zero;
        FloatVector c50 = accumulate ? FloatVector.fromArray(S, c, cOff + 5 * ldc) : zero;
        FloatVector c51 = accumulate ? FloatVector.fromArray(S, c, cOff + 5 * ldc + LANES) : zero;
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bp);
            FloatVector b1 = FloatVector.fromArray(S, pb, bp + LANES);
            int ap = aOff + p * MR;
            FloatVector a0 = FloatVector.broadcast(S, pa[ap + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, pa[ap + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, pa[ap + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, pa[ap + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, pa[ap + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, pa[ap + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        // the stores are written out here: a helper method C2 leaves out of line would box the accumulators
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + LANES);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + LANES);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + LANES);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + LANES);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + LANES);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + LANES);
    }
}
