package dev.kiln.cpu;

/**
 * A float32 GEMM micro-kernel with the Vector API: an {@code mr x nr} tile of c in {@code 2 mr}
 * vector accumulators (two vectors per row), one broadcast of a and two loads of b per step of
 * depth, all fused multiply-adds. One subclass per vector width ({@link VectorGemm128},
 * {@link VectorGemm256}, {@link VectorGemm512}): a species must be a constant for C2 to compile
 * the Vector API to instructions, so each has its own. Each element of c is one chain of fused
 * multiply-adds in depth order, carried through c from one depth block to the next, so the result
 * has the same bits at every width and whatever the blocking ({@link Gemm.Blocking}).
 */
abstract sealed class VectorGemm implements Gemm.MicroKernel permits VectorGemm128, VectorGemm256, VectorGemm512 {
    private final int mr;
    private final int nr;
    private final ThreadLocal<float[]> edge;

    VectorGemm(int mr, int nr) {
        this.mr = mr;
        this.nr = nr;
        this.edge = ThreadLocal.withInitial(() -> new float[mr * nr]);
    }

    @Override
    public final int mr() {
        return mr;
    }

    @Override
    public final int nr() {
        return nr;
    }

    @Override
    public final void tile(float[] pa, int aOff, float[] pb, int bOff, int kc, float[] c, int cOff, int ldc, int rows,
            int cols, boolean accumulate) {
        if (rows == mr && cols == nr) {
            full(pa, aOff, pb, bOff, kc, c, cOff, ldc, accumulate);
            return;
        }
        // an edge tile: its valid part of c copied into scratch, computed whole there, only the valid part written back
        float[] t = edge.get();
        if (accumulate) {
            for (int i = 0; i < rows; i++) {
                System.arraycopy(c, cOff + i * ldc, t, i * nr, cols);
            }
        }
        full(pa, aOff, pb, bOff, kc, t, 0, nr, accumulate);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(t, i * nr, c, cOff + i * ldc, cols);
        }
    }

    /**
     * The whole tile: {@code c[cOff + i*ldc + j] = fma(pa[p*mr + i], pb[p*nr + j], ...)} for p in order,
     * the chain starting from c's value when {@code accumulate}, else from zero.
     */
    abstract void full(float[] pa, int aOff, float[] pb, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate);
}
