package dev.kiln.nn;

/** A plain Householder QR in float64 on row-major arrays, for {@link Init#orthogonal_}. */
final class Qr {
    private Qr() {
    }

    /**
     * The Q of {@code a = QR} ({@code a}: m × n, m ≥ n; Q: m × n, row-major) with each column multiplied
     * by the sign of R's diagonal entry, as PyTorch's {@code orthogonal_} does after {@code linalg.qr}: Q
     * is then the unique one whose R has a positive diagonal, whatever sign convention the reflections use.
     */
    static double[] orthonormalColumns(double[] a, int m, int n) {
        double[] r = a.clone();
        double[][] reflectors = new double[n][];
        double[] rDiagonal = new double[n];
        for (int k = 0; k < n; k++) {
            double norm = 0;
            for (int i = k; i < m; i++) {
                norm += r[i * n + k] * r[i * n + k];
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                continue; // a zero column: no reflection, R's entry is 0
            }
            // reflect x onto ∓|x|·e₁, the sign chosen so v = x − alpha·e₁ does not cancel
            double alpha = r[k * n + k] >= 0 ? -norm : norm;
            double[] v = new double[m - k];
            for (int i = k; i < m; i++) {
                v[i - k] = r[i * n + k];
            }
            v[0] -= alpha;
            reflect(v, r, k, n, m, k);
            reflectors[k] = v;
            rDiagonal[k] = alpha;
        }
        double[] q = new double[m * n];
        for (int j = 0; j < n; j++) {
            q[j * n + j] = 1;
        }
        for (int k = n - 1; k >= 0; k--) {
            if (reflectors[k] != null) {
                reflect(reflectors[k], q, k, n, m, 0);
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                q[i * n + j] *= Math.signum(rDiagonal[j]);
            }
        }
        return q;
    }

    /** Applies I − 2vvᵀ/(vᵀv) (acting on rows {@code k..m-1}) to columns {@code fromColumn..n-1} of {@code x} (m × n). */
    private static void reflect(double[] v, double[] x, int k, int n, int m, int fromColumn) {
        double vv = 0;
        for (double e : v) {
            vv += e * e;
        }
        for (int j = fromColumn; j < n; j++) {
            double dot = 0;
            for (int i = k; i < m; i++) {
                dot += v[i - k] * x[i * n + j];
            }
            double s = 2 * dot / vv;
            for (int i = k; i < m; i++) {
                x[i * n + j] -= s * v[i - k];
            }
        }
    }
}
