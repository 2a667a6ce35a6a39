package dev.kiln.cpu;

import dev.kiln.ir.Attend;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.List;

/**
 * Fused attention in tiles (flash attention on the CPU): float32 with the Vector API runs {@link VectorAttention};
 * float64 (and float32 without the Vector API) these double loops: blocks of query rows against blocks of keys,
 * with an online softmax, so the only score storage is one {@code ROWS x COLS} tile per thread and memory
 * grows linearly in the sequence length. Causal attention skips the key blocks above the diagonal.
 * Backward recomputes each tile's probabilities from the saved logsumexp. Computed in double; tasks
 * (batch slices, and row blocks forward) write disjoint outputs in a fixed order, so results do not
 * depend on the thread count.
 */
final class AttentionKernels {
    private static final int ROWS = 32;
    private static final int COLS = 64;
    /** Below this many multiply-adds a call stays on the calling thread. */
    private static final long PARALLEL_WORK = 1 << 16;

    private AttentionKernels() {
    }

    /** Fused float32 attention over one batch slice at a time ({@link VectorAttention}: the Vector API's form). */
    interface FloatAttention {
        /** Slice b of {@link Attend.Forward}: out {@code [batch, L, Ev + 1]}, each row's output then its logsumexp. */
        void forward(boolean causal, float scale, AttentionLoops.Dims d, float[] q, float[] k, float[] v, float[] out, int b);

        /** Slice b of {@link Attend.Backward}: out {@code [batch, L·E + S·E + S·Ev]} (zeroed), dq, dk and dv of the slice. */
        void backward(boolean causal, float scale, AttentionLoops.Dims d, float[] q, float[] k, float[] v, float[] fwd, float[] g,
                float[] out, int b);
    }

    /**
     * The elements of a float32 value in row-major order: its own array when it is one dense run from 0, else a copy
     * (q, k and v are usually heads permuted out of a projection: [B, T, H, D] viewed as [B, H, T, D]).
     */
    private static float[] floats(TensorData t) {
        if (t.storage().array() instanceof float[] f && t.layout().isContiguous() && t.layout().offset() == 0
                && f.length == t.shape().numel()) {
            return f;
        }
        return Values.floats(t);
    }

    /** {@code op} on its inputs. */
    static TensorData execute(Attend op, List<TensorData> in, TensorType type) {
        AttentionLoops.Dims d = AttentionLoops.Dims.of(in);
        FloatAttention fast = VectorSupport.attention();
        if (fast != null && type.dtype() == dev.kiln.DType.FLOAT32) {
            float[] q = floats(in.get(0));
            float[] k = floats(in.get(1));
            float[] v = floats(in.get(2));
            float[] out = new float[type.shape().numel()];
            boolean parallel = d.batch() > 1 && (long) d.batch() * d.l() * d.s() * (d.e() + d.ev()) >= PARALLEL_WORK;
            float scale = (float) op.scale();
            switch (op) {
                case Attend.Forward f -> Threads.forEach(d.batch(), parallel, b -> fast.forward(f.causal(), scale, d, q, k, v, out, b));
                case Attend.Backward bw -> {
                    float[] fwd = floats(in.get(3));
                    float[] g = floats(in.get(4));
                    Threads.forEach(d.batch(), parallel, b -> fast.backward(bw.causal(), scale, d, q, k, v, fwd, g, out, b));
                }
            }
            return new TensorData(new dev.kiln.spi.Storage.F32(out), dev.kiln.spi.Layout.contiguous(type.shape()));
        }
        double[] q = Values.doubles(in.get(0));
        double[] k = Values.doubles(in.get(1));
        double[] v = Values.doubles(in.get(2));
        double[] out = new double[type.shape().numel()];
        boolean parallel = (long) d.batch() * d.l() * d.s() * (d.e() + d.ev()) >= PARALLEL_WORK;
        switch (op) {
            case Attend.Forward f -> {
                int blocks = (d.l() + ROWS - 1) / ROWS;
                Threads.forEach(d.batch() * blocks, parallel, t -> forward(f, d, q, k, v, out, t / blocks, t % blocks * ROWS));
            }
            case Attend.Backward b -> {
                double[] fwd = Values.doubles(in.get(3));
                double[] g = Values.doubles(in.get(4));
                Threads.forEach(d.batch(), parallel, t -> backward(b, d, q, k, v, fwd, g, out, t));
            }
        }
        return Values.of(out, type.shape(), type.dtype());
    }

    /** Rows [i0, i0 + ROWS) of batch slice b: running max, sum and output per row, rescaled as larger scores arrive. */
    private static void forward(Attend op, AttentionLoops.Dims d, double[] q, double[] k, double[] v, double[] out, int b, int i0) {
        int rows = Math.min(ROWS, d.l() - i0);
        int ev = d.ev();
        double[] tile = new double[ROWS * COLS];
        double[] max = new double[rows];
        double[] sum = new double[rows];
        double[] acc = new double[rows * ev];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        int keys = d.keys(op, i0 + rows - 1);
        for (int j0 = 0; j0 < keys; j0 += COLS) {
            int cols = Math.min(COLS, keys - j0);
            scores(op, d, q, k, b, i0, rows, j0, cols, tile);
            for (int r = 0; r < rows; r++) {
                int seen = Math.min(cols, d.keys(op, i0 + r) - j0);
                if (seen <= 0) {
                    continue;
                }
                double m = max[r];
                for (int c = 0; c < seen; c++) {
                    m = Math.max(m, tile[r * COLS + c]);
                }
                double rescale = Math.exp(max[r] - m);
                max[r] = m;
                double s = sum[r] * rescale;
                int a = r * ev;
                for (int x = 0; x < ev; x++) {
                    acc[a + x] *= rescale;
                }
                for (int c = 0; c < seen; c++) {
                    double p = Math.exp(tile[r * COLS + c] - m);
                    s += p;
                    int vj = (b * d.s() + j0 + c) * ev;
                    for (int x = 0; x < ev; x++) {
                        acc[a + x] += p * v[vj + x];
                    }
                }
                sum[r] = s;
            }
        }
        for (int r = 0; r < rows; r++) {
            int o = (b * d.l() + i0 + r) * (ev + 1);
            boolean none = d.keys(op, i0 + r) == 0;
            for (int x = 0; x < ev; x++) {
                out[o + x] = none ? 0 : acc[r * ev + x] / sum[r];
            }
            out[o + ev] = none ? Double.NEGATIVE_INFINITY : max[r] + Math.log(sum[r]);
        }
    }

    /** tile[r][c] = scale · q[i0 + r] · k[j0 + c] for a block of rows and keys. */
    private static void scores(Attend op, AttentionLoops.Dims d, double[] q, double[] k, int b, int i0, int rows, int j0,
            int cols, double[] tile) {
        int e = d.e();
        for (int r = 0; r < rows; r++) {
            int qi = (b * d.l() + i0 + r) * e;
            for (int c = 0; c < cols; c++) {
                int kj = (b * d.s() + j0 + c) * e;
                double dot = 0;
                for (int x = 0; x < e; x++) {
                    dot += q[qi + x] * k[kj + x];
                }
                tile[r * COLS + c] = op.scale() * dot;
            }
        }
    }

    /**
     * Batch slice b: per block of keys, per block of rows that see it, the probabilities recomputed from
     * the logsumexp; dv and dk accumulate per key, dq per row (all O(T·d)).
     */
    private static void backward(Attend op, AttentionLoops.Dims d, double[] q, double[] k, double[] v, double[] fwd, double[] g,
            double[] out, int b) {
        int e = d.e();
        int ev = d.ev();
        int w = ev + 1;
        int dkAt = d.l() * e;
        int dvAt = dkAt + d.s() * e;
        int base = b * (dvAt + d.s() * ev);
        double[] tile = new double[ROWS * COLS];
        double[] rowDot = new double[d.l()];
        for (int i = 0; i < d.l(); i++) {
            int o = (b * d.l() + i) * w;
            double dot = 0;
            for (int x = 0; x < ev; x++) {
                dot += g[o + x] * fwd[o + x];
            }
            rowDot[i] = dot - g[o + ev]; // a logsumexp gradient enters every score as -rowDot does
        }
        for (int j0 = 0; j0 < d.s(); j0 += COLS) {
            int cols = Math.min(COLS, d.s() - j0);
            int first = op.causal() ? j0 / ROWS * ROWS : 0;
            for (int i0 = first; i0 < d.l(); i0 += ROWS) {
                int rows = Math.min(ROWS, d.l() - i0);
                scores(op, d, q, k, b, i0, rows, j0, cols, tile);
                for (int r = 0; r < rows; r++) {
                    int i = i0 + r;
                    int seen = Math.min(cols, d.keys(op, i) - j0);
                    int o = (b * d.l() + i) * w;
                    double lse = fwd[o + ev];
                    for (int c = 0; c < seen; c++) {
                        int j = j0 + c;
                        double p = Math.exp(tile[r * COLS + c] - lse);
                        int vj = (b * d.s() + j) * ev;
                        int dv = base + dvAt + j * ev;
                        double dp = 0;
                        for (int x = 0; x < ev; x++) {
                            out[dv + x] += p * g[o + x];
                            dp += g[o + x] * v[vj + x];
                        }
                        double ds = p * (dp - rowDot[i]) * op.scale();
                        int kj = (b * d.s() + j) * e;
                        int qi = (b * d.l() + i) * e;
                        int dq = base + i * e;
                        int dk = base + dkAt + j * e;
                        for (int x = 0; x < e; x++) {
                            out[dq + x] += ds * k[kj + x];
                            out[dk + x] += ds * q[qi + x];
                        }
                    }
                }
            }
        }
    }
}
