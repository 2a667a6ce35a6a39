package dev.kiln.cpu;

import java.util.function.BooleanSupplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 GEMM micro-kernel with the Vector API: a 4 x 16 tile of c in eight 256-bit
 * accumulators (two vectors per row), one broadcast of a and two loads of b per step of depth, all
 * fused multiply-adds. Loaded only by name ({@link VectorSupport}).
 */
final class VectorGemm implements Gemm.MicroKernel, BooleanSupplier {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int MR = Gemm.MR;
    private static final int NR = Gemm.NR;
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /** Whether 256-bit vectors are native here (else the API would emulate them, slower than scalar code). */
    @Override
    public boolean getAsBoolean() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    @Override
    public void tile(float[] pa, int aOff, float[] pb, int bOff, int kc, float[] c, int cOff, int ldc, int rows, int cols,
            boolean accumulate) {
        // Four rows: eight accumulators, two b vectors and the broadcasts leave C2 room to unroll
        // without spilling AVX2's sixteen registers (six rows ran at half the speed, five rows at
        // full or half speed depending on how C2 compiled it).
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bp);
            FloatVector b1 = FloatVector.fromArray(S, pb, bp + 8);
            int ap = aOff + p * MR;
            FloatVector a = FloatVector.broadcast(S, pa[ap]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ap + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ap + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ap + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        if (rows == MR && cols == NR) {
            store(c, cOff, c00, c01, accumulate);
            store(c, cOff + ldc, c10, c11, accumulate);
            store(c, cOff + 2 * ldc, c20, c21, accumulate);
            store(c, cOff + 3 * ldc, c30, c31, accumulate);
            return;
        }
        // an edge tile: only its valid part is written
        float[] t = EDGE.get();
        c00.intoArray(t, 0);
        c01.intoArray(t, 8);
        c10.intoArray(t, 16);
        c11.intoArray(t, 24);
        c20.intoArray(t, 32);
        c21.intoArray(t, 40);
        c30.intoArray(t, 48);
        c31.intoArray(t, 56);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int at = cOff + i * ldc + j;
                c[at] = accumulate ? c[at] + t[i * NR + j] : t[i * NR + j];
            }
        }
    }

    private static void store(float[] c, int at, FloatVector v0, FloatVector v1, boolean accumulate) {
        if (accumulate) {
            v0 = v0.add(FloatVector.fromArray(S, c, at));
            v1 = v1.add(FloatVector.fromArray(S, c, at + 8));
        }
        v0.intoArray(c, at);
        v1.intoArray(c, at + 8);
    }
}
