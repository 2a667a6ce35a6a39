package dev.kiln.cpu;

import dev.kiln.codegen.jvm.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused float32 attention with the Vector API ({@link AttentionKernels.FloatAttention}), one batch slice per call,
 * {@link #ROWS} query rows at a time against blocks of {@link #COLS} keys: scores as outer products (broadcasts of q
 * times a row of the slice's transposed k, each load serving every row, no lane reductions), the online softmax with
 * {@link VectorMath#exp}, and the products with v (and in backward with k, q and g) along their rows.
 * Memory: the transposed k and v of one slice, one tile of scores and the row accumulators — O(T·d), never a
 * [T, T] score matrix. Sums run in float (PyTorch's float32 attention does too), each in a fixed order, so the
 * result does not depend on the thread count.
 */
final class VectorAttention implements AttentionKernels.FloatAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    /** Keys per block: the tile of scores one query row holds. */
    static final int COLS = 64;

    /** Per-thread scratch, reused from call to call: transposed k and v, a block's tiles and its row state. */
    private static final class Scratch {
        float[] kt = new float[0];
        float[] vt = new float[0];
        final float[] s = new float[ROWS * COLS];
        final float[] p = new float[ROWS * COLS];
        final float[] dp = new float[ROWS * COLS];
        /** Forward: each row's running maximum; backward: each row's g · o less its logsumexp gradient. */
        final float[] rowA = new float[ROWS];
        /** Forward: each row's running sum. */
        final float[] rowB = new float[ROWS];
        /** Forward: the rows' output accumulators; backward: the rows' output gradients. */
        float[] acc = new float[0];
        /** Backward: the rows' dq. */
        float[] dq = new float[0];
    }

    /** {@code a} when it holds {@code n} floats, else a new array that does. */
    private static float[] atLeast(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** {@code x[e][j] = m[base + j*width + e]} for j < rows: a slice's rows as columns, {@code rows} apart. */
    private static float[] transpose(float[] m, int base, int rows, int width, float[] into) {
        float[] t = atLeast(into, rows * width);
        for (int e = 0; e < width; e++) { // the writes in order, the reads a row apart
            int to = e * rows;
            int from = base + e;
            for (int j = 0; j < rows; j++) {
                t[to + j] = m[from + j * width];
            }
        }
        return t;
    }

    /**
     * Columns to compute for {@code cols} keys: rounded up to whole vectors where the slice has that many keys left
     * (a causal row's later keys fill the last vector and are masked), so the scalar tails run only at the end of k.
     */
    private static int span(int cols, int left) {
        return Math.min((cols + LANES - 1) / LANES * LANES, Math.max(cols, Math.min(left, COLS)));
    }

    /** {@code y[yo + x] *= a} for x < n. */
    private static void scale(float a, float[] y, int yo, int n) {
        int x = 0;
        for (; x + LANES <= n; x += LANES) {
            FloatVector.fromArray(S, y, yo + x).mul(a).intoArray(y, yo + x);
        }
        for (; x < n; x++) {
            y[yo + x] *= a;
        }
    }

    /** Query rows computed together: each load of k, v or q's block serves this many rows. */
    static final int ROWS = 4;

    /**
     * {@code s[r·COLS + c] = scale · q_{i0+r} · k_{j0+c}} for r < rows and c < span: one load of the transposed k per
     * vector of columns serves every row of the block.
     */
    private static void scoreRows(float[] q, int qi, int e, float[] kt, int sk, int j0, int span, int rows, float scale,
            float[] s) {
        int c = 0;
        for (; c + LANES <= span; c += LANES) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int x = 0; x < e; x++) {
                FloatVector kv = FloatVector.fromArray(S, kt, x * sk + j0 + c);
                a0 = FloatVector.broadcast(S, q[qi + x]).fma(kv, a0);
                if (rows > 1) {
                    a1 = FloatVector.broadcast(S, q[qi + e + x]).fma(kv, a1);
                }
                if (rows > 2) {
                    a2 = FloatVector.broadcast(S, q[qi + 2 * e + x]).fma(kv, a2);
                }
                if (rows > 3) {
                    a3 = FloatVector.broadcast(S, q[qi + 3 * e + x]).fma(kv, a3);
                }
            }
            a0.mul(scale).intoArray(s, c);
            if (rows > 1) {
                a1.mul(scale).intoArray(s, COLS + c);
            }
            if (rows > 2) {
                a2.mul(scale).intoArray(s, 2 * COLS + c);
            }
            if (rows > 3) {
                a3.mul(scale).intoArray(s, 3 * COLS + c);
            }
        }
        for (; c < span; c++) {
            for (int r = 0; r < rows; r++) {
                float acc = 0f;
                for (int x = 0; x < e; x++) {
                    acc = Math.fma(q[qi + r * e + x], kt[x * sk + j0 + c], acc);
                }
                s[r * COLS + c] = acc * scale;
            }
        }
    }

    /**
     * {@code acc[r·n + x] += Σ_c p[r·COLS + c] · m[(m0 + c)·n + x]} for r < rows, c < cols, x < n: a block of
     * probabilities times a block of rows of m (v, or k for dq), each vector of m loaded once for every row.
     */
    private static void rowsTimes(float[] p, int rows, int cols, float[] m, int m0, int n, float[] acc) {
        int x = 0;
        for (; x + LANES <= n; x += LANES) {
            FloatVector a0 = FloatVector.fromArray(S, acc, x);
            FloatVector a1 = rows > 1 ? FloatVector.fromArray(S, acc, n + x) : a0;
            FloatVector a2 = rows > 2 ? FloatVector.fromArray(S, acc, 2 * n + x) : a0;
            FloatVector a3 = rows > 3 ? FloatVector.fromArray(S, acc, 3 * n + x) : a0;
            for (int c = 0; c < cols; c++) {
                FloatVector mv = FloatVector.fromArray(S, m, (m0 + c) * n + x);
                a0 = FloatVector.broadcast(S, p[c]).fma(mv, a0);
                if (rows > 1) {
                    a1 = FloatVector.broadcast(S, p[COLS + c]).fma(mv, a1);
                }
                if (rows > 2) {
                    a2 = FloatVector.broadcast(S, p[2 * COLS + c]).fma(mv, a2);
                }
                if (rows > 3) {
                    a3 = FloatVector.broadcast(S, p[3 * COLS + c]).fma(mv, a3);
                }
            }
            a0.intoArray(acc, x);
            if (rows > 1) {
                a1.intoArray(acc, n + x);
            }
            if (rows > 2) {
                a2.intoArray(acc, 2 * n + x);
            }
            if (rows > 3) {
                a3.intoArray(acc, 3 * n + x);
            }
        }
        for (; x < n; x++) {
            for (int r = 0; r < rows; r++) {
                float a = acc[r * n + x];
                for (int c = 0; c < cols; c++) {
                    a = Math.fma(p[r * COLS + c], m[(m0 + c) * n + x], a);
                }
                acc[r * n + x] = a;
            }
        }
    }

    /**
     * {@code out[o0 + (c)·n + x] += Σ_r w[r·COLS + c] · src[s0 + r·n + x]} for c < cols: each key row's gradient (dk
     * from ds and q, dv from p and g) gathers the block's rows in order.
     */
    private static void keysTimes(float[] w, int rows, int cols, float[] src, int s0, int n, float[] out, int o0) {
        for (int c = 0; c < cols; c++) {
            int at = o0 + c * n;
            int x = 0;
            for (; x + LANES <= n; x += LANES) {
                FloatVector a = FloatVector.fromArray(S, out, at + x);
                for (int r = 0; r < rows; r++) {
                    a = FloatVector.broadcast(S, w[r * COLS + c]).fma(FloatVector.fromArray(S, src, s0 + r * n + x), a);
                }
                a.intoArray(out, at + x);
            }
            for (; x < n; x++) {
                float a = out[at + x];
                for (int r = 0; r < rows; r++) {
                    a = Math.fma(w[r * COLS + c], src[s0 + r * n + x], a);
                }
                out[at + x] = a;
            }
        }
    }

    /** Keys row i of the op sees. */
    private static int keys(boolean causal, int i, int sk) {
        return causal ? Math.min(i + 1, sk) : sk;
    }

    @Override
    public void forward(boolean causal, float scale, AttentionLoops.Dims d, float[] q, float[] k, float[] v, float[] out, int b) {
        int l = d.l();
        int sk = d.s();
        int e = d.e();
        int ev = d.ev();
        Scratch w = SCRATCH.get();
        float[] kt = w.kt = transpose(k, b * sk * e, sk, e, w.kt);
        float[] acc = w.acc = atLeast(w.acc, ROWS * ev);
        float[] m = w.rowA;
        float[] sum = w.rowB;
        for (int i0 = 0; i0 < l; i0 += ROWS) {
            int rows = Math.min(ROWS, l - i0);
            int qi = (b * l + i0) * e;
            int keys = keys(causal, i0 + rows - 1, sk); // the block's last row sees the most
            java.util.Arrays.fill(acc, 0, rows * ev, 0f);
            java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(sum, 0f);
            for (int j0 = 0; j0 < keys; j0 += COLS) {
                int cols = Math.min(COLS, keys - j0);
                int span = span(cols, sk - j0);
                scoreRows(q, qi, e, kt, sk, j0, span, rows, scale, w.s);
                for (int r = 0; r < rows; r++) {
                    int seen = Math.max(0, Math.min(span, keys(causal, i0 + r, sk) - j0));
                    int at = r * COLS;
                    java.util.Arrays.fill(w.s, at + seen, at + span, Float.NEGATIVE_INFINITY); // masked: probability 0
                    float mNew = Math.max(m[r], maxAt(w.s, at, span));
                    if (mNew != m[r]) { // rescale what earlier blocks added (nothing before the first)
                        float f = m[r] == Float.NEGATIVE_INFINITY ? 0f : dev.kiln.codegen.jvm.FloatMath.exp(m[r] - mNew);
                        sum[r] *= f;
                        scale(f, acc, r * ev, ev);
                        m[r] = mNew;
                    }
                    sum[r] += expAt(w.s, at, m[r], span, w.p);
                }
                rowsTimes(w.p, rows, cols, v, b * sk + j0, ev, acc);
            }
            for (int r = 0; r < rows; r++) {
                int o = (b * l + i0 + r) * (ev + 1);
                if (keys(causal, i0 + r, sk) == 0) {
                    java.util.Arrays.fill(out, o, o + ev, 0f);
                    out[o + ev] = Float.NEGATIVE_INFINITY;
                    continue;
                }
                float inv = 1f / sum[r];
                for (int x = 0; x < ev; x++) {
                    out[o + x] = acc[r * ev + x] * inv;
                }
                out[o + ev] = m[r] + (float) Math.log(sum[r]);
            }
        }
    }

    /** The largest of s[at, at + cols). */
    private static float maxAt(float[] s, int at, int cols) {
        int c = 0;
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; c + LANES <= cols; c += LANES) {
            mv = mv.max(FloatVector.fromArray(S, s, at + c));
        }
        float r = mv.reduceLanes(VectorOperators.MAX);
        for (; c < cols; c++) {
            r = Math.max(r, s[at + c]);
        }
        return r;
    }

    /** p[at + c] = exp(s[at + c] - shift) for c < cols; returns their sum. */
    private static float expAt(float[] s, int at, float shift, int cols, float[] p) {
        int c = 0;
        FloatVector sum = FloatVector.zero(S);
        for (; c + LANES <= cols; c += LANES) {
            FloatVector x = VectorMath.exp(FloatVector.fromArray(S, s, at + c).sub(shift));
            x.intoArray(p, at + c);
            sum = sum.add(x);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            p[at + c] = dev.kiln.codegen.jvm.FloatMath.exp(s[at + c] - shift);
            total += p[at + c];
        }
        return total;
    }

    @Override
    public void backward(boolean causal, float scale, AttentionLoops.Dims d, float[] q, float[] k, float[] v, float[] fwd,
            float[] g, float[] out, int b) {
        int l = d.l();
        int sk = d.s();
        int e = d.e();
        int ev = d.ev();
        int w1 = ev + 1;
        int dkAt = l * e;
        int dvAt = dkAt + sk * e;
        int base = b * (dvAt + sk * ev); // out arrives zeroed: dk and dv add up into it
        Scratch w = SCRATCH.get();
        float[] kt = w.kt = transpose(k, b * sk * e, sk, e, w.kt);
        float[] vt = w.vt = transpose(v, b * sk * ev, sk, ev, w.vt);
        float[] gr = w.acc = atLeast(w.acc, ROWS * ev); // the block's output gradients, dense (g's rows carry a logsumexp column)
        float[] dp = w.dp;
        float[] rowDot = w.rowA;
        float[] dq = w.dq = atLeast(w.dq, ROWS * e);
        for (int i0 = 0; i0 < l; i0 += ROWS) {
            int rows = Math.min(ROWS, l - i0);
            int qi = (b * l + i0) * e;
            int keys = keys(causal, i0 + rows - 1, sk);
            for (int r = 0; r < rows; r++) {
                int o = (b * l + i0 + r) * w1;
                float dot = 0f;
                for (int x = 0; x < ev; x++) {
                    gr[r * ev + x] = g[o + x];
                    dot = Math.fma(g[o + x], fwd[o + x], dot);
                }
                rowDot[r] = dot - g[o + ev]; // a logsumexp gradient enters every score as -rowDot does
            }
            java.util.Arrays.fill(dq, 0, rows * e, 0f);
            for (int j0 = 0; j0 < keys; j0 += COLS) {
                int cols = Math.min(COLS, keys - j0);
                int span = span(cols, sk - j0);
                scoreRows(q, qi, e, kt, sk, j0, span, rows, scale, w.s);
                scoreRows(gr, 0, ev, vt, sk, j0, span, rows, 1f, dp); // dp = g_i · v_j
                for (int r = 0; r < rows; r++) {
                    int at = r * COLS;
                    int seen = Math.max(0, Math.min(span, keys(causal, i0 + r, sk) - j0));
                    java.util.Arrays.fill(w.s, at + seen, at + span, Float.NEGATIVE_INFINITY);
                    expAt(w.s, at, fwd[(b * l + i0 + r) * w1 + ev], span, w.p); // p from the saved logsumexp
                    float rd = rowDot[r];
                    int c = 0;
                    for (; c + LANES <= span; c += LANES) { // ds = p (dp - rowDot) scale, in place of dp
                        FloatVector pv = FloatVector.fromArray(S, w.p, at + c);
                        pv.mul(FloatVector.fromArray(S, dp, at + c).sub(rd)).mul(scale).intoArray(dp, at + c);
                    }
                    for (; c < span; c++) {
                        dp[at + c] = w.p[at + c] * (dp[at + c] - rd) * scale;
                    }
                }
                rowsTimes(dp, rows, cols, k, b * sk + j0, e, dq);
                keysTimes(dp, rows, cols, q, qi, e, out, base + dkAt + j0 * e);
                keysTimes(w.p, rows, cols, gr, 0, ev, out, base + dvAt + j0 * ev);
            }
            System.arraycopy(dq, 0, out, base + i0 * e, rows * e);
        }
    }
}
