package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Pairs of structures that differ in exactly one thing — a dimension (shapes whose int[] hashes
 * collide among them), a stride (a broadcast input), a dtype, an op attribute, the wiring — run
 * alternately (A, B, A, B) through every cache path: eager ops, eager backward, static and dynamic
 * compiled steps (dynamic ones replay the trace tree). Every result is checked against a plain
 * float64 evaluation of the program written here, so a call that ran the other structure's plan
 * fails. CI runs this class a second time with every cache key hashing to one value.
 */
class CacheExactnessProperties {
    /** {@code loss = sum_k (sum over axis of u(x*w + y))_k^2}, or with x and y swapped. */
    record Program(int rows, int cols, DType dtype, boolean broadcastY, int unary, int axis, boolean swapped) {
        Shape shape() {
            return Shape.of(rows, cols);
        }

        double u(double v) {
            return switch (unary) {
                case 0 -> Math.tanh(v);
                case 1 -> Math.exp(v);
                default -> Math.sin(v);
            };
        }

        double du(double v) {
            return switch (unary) {
                case 0 -> 1 - Math.tanh(v) * Math.tanh(v);
                case 1 -> Math.exp(v);
                default -> Math.cos(v);
            };
        }

        Tensor u(Tensor t) {
            return switch (unary) {
                case 0 -> t.tanh();
                case 1 -> t.exp();
                default -> t.sin();
            };
        }

        Tensor loss(Tensor x, Tensor y, Tensor w) {
            // x is read first either way, so a trace captures x, then y, in that order: swapping
            // them below changes the graph's wiring, not only which tensor feeds which slot
            Tensor xs = x.mul(1.0);
            Tensor yy = (broadcastY ? y.expand(rows, cols) : y).mul(1.0);
            Tensor pre = swapped ? yy.mul(w).add(xs) : xs.mul(w).add(yy);
            return u(pre).sum(axis).pow(2).sum();
        }
    }

    /** Shapes whose Arrays.hashCode collide: [3,3], [2,34], [1,65] (1057); [4,3], [3,34], [2,65] (1088). */
    private static final List<int[]> DIMS = List.of(new int[] {3, 3}, new int[] {2, 34}, new int[] {1, 65},
            new int[] {4, 3}, new int[] {3, 34}, new int[] {2, 65}, new int[] {13, 5});

    private static Gen<Program> programs() {
        return Generate.range(0, DIMS.size() - 1).zip(Generate.range(0, 15), Generate.range(0, 2), (d, bits, unary) -> {
            int[] dims = DIMS.get(d);
            return new Program(dims[0], dims[1], (bits & 1) == 0 ? DType.FLOAT32 : DType.FLOAT64, (bits & 2) != 0, unary,
                    (bits & 4) != 0 ? 1 : 0, (bits & 8) != 0);
        });
    }

    /** B: A with exactly one thing changed (which, and how, from {@code kind} and {@code pick}). */
    private static Program variant(Program a, int kind, int pick) {
        return switch (kind) {
            case 0 -> { // a dimension: another shape, a colliding one where there is one
                int[] dims = DIMS.get(pick % DIMS.size());
                if (dims[0] == a.rows && dims[1] == a.cols) {
                    dims = DIMS.get((pick + 1) % DIMS.size());
                }
                yield new Program(dims[0], dims[1], a.dtype, a.broadcastY, a.unary, a.axis, a.swapped);
            }
            case 1 -> new Program(a.rows, a.cols, a.dtype, !a.broadcastY, a.unary, a.axis, a.swapped);
            case 2 -> new Program(a.rows, a.cols, a.dtype == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32, a.broadcastY,
                    a.unary, a.axis, a.swapped);
            case 3 -> new Program(a.rows, a.cols, a.dtype, a.broadcastY, (a.unary + 1 + pick % 2) % 3, a.axis, a.swapped);
            case 4 -> new Program(a.rows, a.cols, a.dtype, a.broadcastY, a.unary, 1 - a.axis, a.swapped);
            default -> new Program(a.rows, a.cols, a.dtype, a.broadcastY, a.unary, a.axis, !a.swapped);
        };
    }

    /** Inputs and the float64 reference: loss and the gradients of x, y and w. */
    static final class Case {
        final Program p;
        final double[] x;
        final double[] y;
        final double w = 0.7;
        double loss;
        final double[] gx;
        final double[] gy;
        double gw;

        Case(Program p) {
            this.p = p;
            int n = p.rows * p.cols;
            x = new double[n];
            y = new double[p.broadcastY ? p.cols : n];
            for (int i = 0; i < n; i++) {
                x[i] = 0.8 * Math.sin(0.37 * i + p.rows);
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = 0.5 * Math.cos(0.23 * i + p.cols);
            }
            gx = new double[n];
            gy = new double[y.length];
            reference();
        }

        private double yAt(int i, int j) {
            return p.broadcastY ? y[j] : y[i * p.cols + j];
        }

        private void reference() {
            double[] s = new double[p.axis == 0 ? p.cols : p.rows];
            for (int i = 0; i < p.rows; i++) {
                for (int j = 0; j < p.cols; j++) {
                    double xv = x[i * p.cols + j];
                    double pre = p.swapped ? yAt(i, j) * w + xv : xv * w + yAt(i, j);
                    s[p.axis == 0 ? j : i] += p.u(pre);
                }
            }
            for (double v : s) {
                loss += v * v;
            }
            for (int i = 0; i < p.rows; i++) {
                for (int j = 0; j < p.cols; j++) {
                    double xv = x[i * p.cols + j];
                    double yv = yAt(i, j);
                    double pre = p.swapped ? yv * w + xv : xv * w + yv;
                    double g = 2 * s[p.axis == 0 ? j : i] * p.du(pre);
                    int yi = p.broadcastY ? j : i * p.cols + j;
                    gx[i * p.cols + j] += p.swapped ? g : g * w;
                    gy[yi] += p.swapped ? g * w : g;
                    gw += g * (p.swapped ? yv : xv);
                }
            }
        }

        Tensor x() {
            return Tensor.of(p.dtype, x).reshape(p.rows, p.cols);
        }

        Tensor y() {
            return p.broadcastY ? Tensor.of(p.dtype, y).reshape(1, p.cols) : Tensor.of(p.dtype, y).reshape(p.rows, p.cols);
        }

        Tensor w() {
            return Tensor.scalar(w, p.dtype);
        }

        void checkLoss(String path, Tensor got) {
            assertEquals(p.dtype, got.dtype(), path + " dtype for " + p);
            assertEquals(Shape.scalar(), got.shape(), path + " shape for " + p);
            close(path + " loss", new double[] {loss}, got.toDoubleArray());
        }

        void close(String what, double[] expected, double[] actual) {
            assertEquals(expected.length, actual.length, what + " length for " + p);
            double tol = p.dtype == DType.FLOAT32 ? 2e-4 : 1e-10;
            for (int i = 0; i < expected.length; i++) {
                double scale = Math.max(1, Math.abs(expected[i]));
                if (!(Math.abs(expected[i] - actual[i]) <= tol * scale)) {
                    throw new AssertionError(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i] + " for " + p);
                }
            }
        }
    }

    private static final int EXAMPLES = 40;

    private static Gen<List<Program>> pairs() {
        return programs().zip(Generate.range(0, 5), Generate.range(0, 50), (a, kind, pick) -> List.of(a, variant(a, kind, pick)));
    }

    @Test
    void eagerOpsAndEagerBackward() {
        Props.check("eager pairs", EXAMPLES, pairs(), pair -> {
            for (int round = 0; round < 2; round++) {
                for (Program p : pair) {
                    Case c = new Case(p);
                    Tensor x = c.x().requiresGrad_(true);
                    Tensor y = c.y().requiresGrad_(true);
                    Tensor w = c.w().requiresGrad_(true);
                    // the elementwise op alone (eager kernels at 64+ elements)
                    Tensor u;
                    try (var noGrad = Kiln.noGrad()) {
                        u = p.u(x);
                    }
                    double[] expectedU = new double[c.x.length];
                    for (int i = 0; i < expectedU.length; i++) {
                        expectedU[i] = p.u(c.x[i]);
                    }
                    c.close("eager " + p.unary, expectedU, u.toDoubleArray());
                    Tensor loss = p.loss(x, y, w);
                    c.checkLoss("eager", loss);
                    loss.backward();
                    c.close("eager backward x.grad", c.gx, x.grad().toDoubleArray());
                    c.close("eager backward y.grad", c.gy, y.grad().toDoubleArray());
                    c.close("eager backward w.grad", new double[] {c.gw}, w.grad().toDoubleArray());
                    assertArrayEquals(x.shape().toArray(), x.grad().shape().toArray());
                    assertArrayEquals(y.shape().toArray(), y.grad().shape().toArray());
                }
            }
        });
    }

    @Test
    void staticCompiledStepsSharedAcrossSignatures() {
        Props.check("static pairs", EXAMPLES, pairs(), pair -> {
            // the program's shape, dtype and strides come in through the arguments; the rest is fixed by A
            Program a = pair.get(0);
            Tensor[] w = new Tensor[1];
            CompiledFunction f = Kiln.compile(in -> {
                Program p = new Program(in[0].size(0), in[0].size(1), in[0].dtype(), in[1].size(0) == 1 && in[0].size(0) != 1,
                        a.unary, a.axis, a.swapped);
                Tensor loss = p.loss(in[0], in[1], w[0]);
                loss.backward();
                return loss;
            });
            for (int round = 0; round < 2; round++) {
                for (Program b : pair) {
                    Program p = new Program(b.rows, b.cols, b.dtype, b.broadcastY && b.rows != 1, a.unary, a.axis, a.swapped);
                    Case c = new Case(p);
                    // static mode binds the tensors it captured when tracing: one w per dtype, reused
                    w[0] = weights(p.dtype);
                    Tensor loss = f.call(c.x(), c.y());
                    c.checkLoss("static", loss);
                    c.close("static w.grad", new double[] {c.gw}, w[0].grad().toDoubleArray());
                    w[0].clearGrad();
                }
            }
        });
    }

    private final java.util.Map<DType, Tensor> weights = new java.util.EnumMap<>(DType.class);

    private Tensor weights(DType dtype) {
        return weights.computeIfAbsent(dtype, d -> Tensor.scalar(0.7, d).requiresGrad_(true));
    }

    @Test
    void dynamicCompiledStepsReplayingTraces() {
        Props.check("dynamic pairs", EXAMPLES, pairs(), pair -> {
            Case[] current = new Case[1];
            Tensor[] leaves = new Tensor[3];
            CompiledFunction f = Kiln.compile(in -> {
                Tensor loss = current[0].p.loss(leaves[0], leaves[1], leaves[2]);
                loss.backward();
                return loss;
            }, CompiledFunction.Mode.DYNAMIC);
            Case[] cases = {new Case(pair.get(0)), new Case(pair.get(1))};
            Tensor[][] tensors = new Tensor[2][];
            for (int k = 0; k < 2; k++) {
                tensors[k] = new Tensor[] {cases[k].x().requiresGrad_(true), cases[k].y().requiresGrad_(true),
                        cases[k].w().requiresGrad_(true)};
            }
            for (int round = 0; round < 3; round++) {
                for (int k = 0; k < 2; k++) {
                    Case c = cases[k];
                    current[0] = c;
                    System.arraycopy(tensors[k], 0, leaves, 0, 3);
                    Tensor loss = f.call();
                    c.checkLoss("dynamic", loss);
                    c.close("dynamic x.grad", c.gx, leaves[0].grad().toDoubleArray());
                    c.close("dynamic y.grad", c.gy, leaves[1].grad().toDoubleArray());
                    c.close("dynamic w.grad", new double[] {c.gw}, leaves[2].grad().toDoubleArray());
                    for (Tensor t : leaves) {
                        t.clearGrad();
                    }
                }
            }
            assertEquals(2, f.compilations(), "one plan per structure for " + pair);
        });
    }
}
