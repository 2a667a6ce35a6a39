package dev.kiln.cpu;

import dev.kiln.codegen.jvm.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused float32 attention with the Vector API ({@link AttentionKernels.FloatAttention}), one batch slice per call,
 * in blocks of {@link #COLS} keys: scores as outer products (a broadcast of q times a row of the slice's transposed
 * k, so no lane reductions), the online softmax with {@link VectorMath#exp}, and the product with v along its rows.
 * Memory: the transposed k and v of one slice, one tile of scores and the row accumulators — O(T·d), never a
 * [T, T] score matrix. Sums run in float (PyTorch's float32 attention does too), each in a fixed order, so the
 * result does not depend on the thread count.
 */
final class VectorAttention implements AttentionKernels.FloatAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    /** Keys per block: the tile of scores one query row holds. */
    static final int COLS = 64;

    /** Per-thread scratch: transposed k and v, a tile row of scores and probabilities. */
    private static final class Scratch {
        float[] kt = new float[0];
        float[] vt = new float[0];
        final float[] s = new float[COLS];
        final float[] p = new float[COLS];
        float[] acc = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** {@code x[e][j] = m[base + j*width + e]} for j < rows: a slice's rows as columns, {@code rows} apart. */
    private static float[] transpose(float[] m, int base, int rows, int width, float[] into) {
        float[] t = into.length >= rows * width ? into : new float[rows * width];
        for (int j = 0; j < rows; j++) {
            int from = base + j * width;
            for (int e = 0; e < width; e++) {
                t[e * rows + j] = m[from + e];
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

    /** {@code s[c] = scale · q_row · k_{j0+c}} for c < cols, from the transposed k ({@code kt[e][j]}, S columns). */
    private static void scores(float[] q, int qi, int e, float[] kt, int sk, int j0, int cols, float scale, float[] s) {
        int c = 0;
        for (; c + LANES <= cols; c += LANES) {
            FloatVector acc = FloatVector.zero(S);
            for (int x = 0; x < e; x++) {
                acc = FloatVector.broadcast(S, q[qi + x]).fma(FloatVector.fromArray(S, kt, x * sk + j0 + c), acc);
            }
            acc.mul(scale).intoArray(s, c);
        }
        for (; c < cols; c++) {
            float acc = 0f;
            for (int x = 0; x < e; x++) {
                acc = Math.fma(q[qi + x], kt[x * sk + j0 + c], acc);
            }
            s[c] = acc * scale;
        }
    }

    /** The largest of s[0, cols). */
    private static float max(float[] s, int cols) {
        int c = 0;
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; c + LANES <= cols; c += LANES) {
            m = m.max(FloatVector.fromArray(S, s, c));
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; c < cols; c++) {
            r = Math.max(r, s[c]);
        }
        return r;
    }

    /** p[c] = exp(s[c] - shift) for c < cols; returns their sum. */
    private static float exp(float[] s, float shift, int cols, float[] p) {
        int c = 0;
        FloatVector sum = FloatVector.zero(S);
        for (; c + LANES <= cols; c += LANES) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, s, c).sub(shift));
            e.intoArray(p, c);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            p[c] = dev.kiln.codegen.jvm.FloatMath.exp(s[c] - shift);
            total += p[c];
        }
        return total;
    }

    /** {@code y[yo + x] += a · m[mo + x]} for x < n. */
    private static void axpy(float a, float[] m, int mo, float[] y, int yo, int n) {
        int x = 0;
        FloatVector va = FloatVector.broadcast(S, a);
        for (; x + LANES <= n; x += LANES) {
            va.fma(FloatVector.fromArray(S, m, mo + x), FloatVector.fromArray(S, y, yo + x)).intoArray(y, yo + x);
        }
        for (; x < n; x++) {
            y[yo + x] = Math.fma(a, m[mo + x], y[yo + x]);
        }
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

    @Override
    public void forward(boolean causal, float scale, AttentionLoops.Dims d, float[] q, float[] k, float[] v, float[] out, int b) {
        int l = d.l();
        int sk = d.s();
        int e = d.e();
        int ev = d.ev();
        Scratch w = SCRATCH.get();
        float[] kt = w.kt = transpose(k, b * sk * e, sk, e, w.kt);
        float[] acc = w.acc = w.acc.length >= ev ? w.acc : new float[ev];
        for (int i = 0; i < l; i++) {
            int qi = (b * l + i) * e;
            int keys = causal ? Math.min(i + 1, sk) : sk;
            java.util.Arrays.fill(acc, 0, ev, 0f);
            float m = Float.NEGATIVE_INFINITY;
            float sum = 0f;
            for (int j0 = 0; j0 < keys; j0 += COLS) {
                int cols = Math.min(COLS, keys - j0);
                int span = span(cols, sk - j0);
                scores(q, qi, e, kt, sk, j0, span, scale, w.s);
                for (int c = cols; c < span; c++) {
                    w.s[c] = Float.NEGATIVE_INFINITY; // a later key computed only to fill the vector: probability 0
                }
                float mNew = Math.max(m, max(w.s, span));
                if (mNew != m) { // rescale what the earlier blocks added (exp(-inf) = 0 at the first)
                    float r = m == Float.NEGATIVE_INFINITY ? 0f : dev.kiln.codegen.jvm.FloatMath.exp(m - mNew);
                    sum *= r;
                    scale(r, acc, 0, ev);
                    m = mNew;
                }
                sum += exp(w.s, m, span, w.p);
                for (int c = 0; c < cols; c++) {
                    axpy(w.p[c], v, (b * sk + j0 + c) * ev, acc, 0, ev);
                }
            }
            int o = (b * l + i) * (ev + 1);
            if (keys == 0) {
                java.util.Arrays.fill(out, o, o + ev, 0f);
                out[o + ev] = Float.NEGATIVE_INFINITY;
                continue;
            }
            float inv = 1f / sum;
            for (int x = 0; x < ev; x++) {
                out[o + x] = acc[x] * inv;
            }
            out[o + ev] = m + (float) Math.log(sum);
        }
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
        int base = b * (dvAt + sk * ev);
        java.util.Arrays.fill(out, base, base + dvAt + sk * ev, 0f);
        Scratch w = SCRATCH.get();
        float[] kt = w.kt = transpose(k, b * sk * e, sk, e, w.kt);
        float[] vt = w.vt = transpose(v, b * sk * ev, sk, ev, w.vt);
        for (int i = 0; i < l; i++) {
            int qi = (b * l + i) * e;
            int o = (b * l + i) * w1;
            int keys = causal ? Math.min(i + 1, sk) : sk;
            float lse = fwd[o + ev];
            float rowDot = 0f;
            for (int x = 0; x < ev; x++) {
                rowDot = Math.fma(g[o + x], fwd[o + x], rowDot);
            }
            rowDot -= g[o + ev]; // a logsumexp gradient enters every score as -rowDot does
            for (int j0 = 0; j0 < keys; j0 += COLS) {
                int cols = Math.min(COLS, keys - j0);
                int span = span(cols, sk - j0); // columns from cols on are computed, never used
                scores(q, qi, e, kt, sk, j0, span, scale, w.s);
                exp(w.s, lse, span, w.p);
                // dp[c] = g_i · v_{j0+c}, from the transposed v: the same outer-product form as the scores
                scores(g, o, ev, vt, sk, j0, span, 1f, w.s);
                for (int c = 0; c < cols; c++) {
                    int j = j0 + c;
                    float p = w.p[c];
                    float ds = p * (w.s[c] - rowDot) * scale;
                    axpy(ds, k, (b * sk + j) * e, out, base + i * e, e);
                    axpy(ds, q, qi, out, base + dkAt + j * e, e);
                    axpy(p, g, o, out, base + dvAt + j * ev, ev);
                }
            }
        }
    }
}
