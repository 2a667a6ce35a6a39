package dev.kiln.cpu;

import dev.kiln.ir.Attend;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.List;

/**
 * The interpreter's fused attention: direct loops over one query row at a time, in double, with the
 * whole row of scores held (O(S) memory): the oracle {@link AttentionKernels}' tiles are tested against.
 */
final class AttentionLoops {
    private AttentionLoops() {
    }

    /** {@code op} on its inputs. */
    static TensorData execute(Attend op, List<TensorData> in, TensorType type) {
        Dims d = Dims.of(in);
        double[] q = in.get(0).toDoubleArray();
        double[] k = in.get(1).toDoubleArray();
        double[] v = in.get(2).toDoubleArray();
        double[] out = new double[type.shape().numel()];
        switch (op) {
            case Attend.Forward f -> forward(f, d, q, k, v, out);
            case Attend.Backward b -> backward(b, d, q, k, v, in.get(3).toDoubleArray(), in.get(4).toDoubleArray(), out);
        }
        return Values.of(out, type.shape(), type.dtype());
    }

    private static void forward(Attend op, Dims d, double[] q, double[] k, double[] v, double[] out) {
        double[] s = new double[d.s()];
        int w = d.ev() + 1;
        for (int b = 0; b < d.batch(); b++) {
            for (int i = 0; i < d.l(); i++) {
                int count = d.keys(op, i);
                double lse = logsumexp(op, d, q, k, b, i, count, s);
                int o = (b * d.l() + i) * w;
                for (int j = 0; j < count; j++) {
                    double p = Math.exp(s[j] - lse);
                    for (int c = 0; c < d.ev(); c++) {
                        out[o + c] += p * v[(b * d.s() + j) * d.ev() + c];
                    }
                }
                out[o + d.ev()] = lse;
            }
        }
    }

    /** Fills s[0, count) with row i's scaled scores and returns their logsumexp (-∞ for none). */
    private static double logsumexp(Attend op, Dims d, double[] q, double[] k, int b, int i, int count, double[] s) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < count; j++) {
            double dot = 0;
            for (int e = 0; e < d.e(); e++) {
                dot += q[(b * d.l() + i) * d.e() + e] * k[(b * d.s() + j) * d.e() + e];
            }
            s[j] = op.scale() * dot;
            max = Math.max(max, s[j]);
        }
        if (count == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        double sum = 0;
        for (int j = 0; j < count; j++) {
            sum += Math.exp(s[j] - max);
        }
        return max + Math.log(sum);
    }

    private static void backward(Attend op, Dims d, double[] q, double[] k, double[] v, double[] fwd, double[] g, double[] out) {
        double[] s = new double[d.s()];
        int w = d.ev() + 1;
        int dqAt = 0;
        int dkAt = d.l() * d.e();
        int dvAt = dkAt + d.s() * d.e();
        int per = dvAt + d.s() * d.ev();
        for (int b = 0; b < d.batch(); b++) {
            int base = b * per;
            for (int i = 0; i < d.l(); i++) {
                int count = d.keys(op, i);
                int o = (b * d.l() + i) * w;
                double lse = fwd[o + d.ev()];
                logsumexp(op, d, q, k, b, i, count, s);
                double rowDot = 0;
                for (int c = 0; c < d.ev(); c++) {
                    rowDot += g[o + c] * fwd[o + c];
                }
                double gLse = g[o + d.ev()];
                for (int j = 0; j < count; j++) {
                    double p = Math.exp(s[j] - lse);
                    double dp = 0;
                    for (int c = 0; c < d.ev(); c++) {
                        out[base + dvAt + j * d.ev() + c] += p * g[o + c];
                        dp += g[o + c] * v[(b * d.s() + j) * d.ev() + c];
                    }
                    double ds = p * (dp - rowDot + gLse) * op.scale();
                    for (int e = 0; e < d.e(); e++) {
                        out[base + dqAt + i * d.e() + e] += ds * k[(b * d.s() + j) * d.e() + e];
                        out[base + dkAt + j * d.e() + e] += ds * q[(b * d.l() + i) * d.e() + e];
                    }
                }
            }
        }
    }

    /** Batch count (product of the leading dimensions), L, S, E and Ev of an attention op's inputs. */
    record Dims(int batch, int l, int s, int e, int ev) {
        static Dims of(List<TensorData> in) {
            int[] q = in.get(0).shape().toArray();
            int r = q.length;
            int batch = 1;
            for (int i = 0; i < r - 2; i++) {
                batch *= q[i];
            }
            return new Dims(batch, q[r - 2], in.get(1).shape().dim(r - 2), q[r - 1], in.get(2).shape().dim(r - 1));
        }

        /** How many keys query row i sees. */
        int keys(Attend op, int i) {
            return op.causal() ? Math.min(i + 1, s) : s;
        }
    }
}
