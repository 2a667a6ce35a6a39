package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A GEMM's consumer loop (bias, tanh) fused as its epilogue, run on each block of rows as the GEMM
 * finishes it: the same bits as running the loop after the GEMM, on any thread count, and the
 * interpreter's values; loops that would change meaning block by block stay separate.
 */
class GemmEpilogueTest {

    /**
     * {@code tanh(x @ w^T + bias)}, a linear layer's forward; with {@code extra}, the same loop also
     * sums it, or adds the transposed product (square products: a read of rows not yet finished).
     */
    private static Graph layer(int n, int k, int m, DType dtype, String extra) {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", new TensorType(Shape.of(n, k), dtype));
        Node w = b.input("w", new TensorType(Shape.of(m, k), dtype));
        Node bias = b.input("bias", new TensorType(Shape.of(m), dtype));
        Node y = o.matmul(x, o.transposeLast(w));
        Node act = o.unary(new Unary.Tanh(), o.add(y, bias));
        return switch (extra) {
            case "sum" -> b.build(act, o.sumAll(o.mul(act, act)));
            case "transposed" -> b.build(o.add(act, o.transposeLast(y)));
            default -> b.build(act);
        };
    }

    private static List<TensorData> inputs(int n, int k, int m, DType dtype) {
        Kiln.manualSeed(n * 31L + m);
        return List.of(Tensors.data(Tensor.randn(n, k).to(dtype)), Tensors.data(Tensor.randn(m, k).to(dtype)), Tensors.data(Tensor.randn(m).to(dtype)));
    }

    /** The same plan with every epilogue run as a separate kernel step after its GEMM. */
    private static Plan unfused(Plan p) {
        List<Plan.Step> steps = new ArrayList<>();
        for (Plan.Step s : p.steps()) {
            if (s instanceof Plan.MatMulStep m && m.epilogue() != null) {
                steps.add(new Plan.MatMulStep(m.a(), m.aView(), m.b(), m.bView(), m.out()));
                steps.add(new Plan.KernelStep(m.epilogue()));
            } else {
                steps.add(s);
            }
        }
        return new Plan(p.buffers(), p.scalarSlots(), steps, p.inputs(), p.outputs());
    }

    private static long epilogues(Plan p) {
        return p.steps().stream().filter(s -> s instanceof Plan.MatMulStep m && m.epilogue() != null).count();
    }

    private static double[] values(TensorData d) {
        double[] v = new double[d.shape().numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = d.getDouble(i);
        }
        return v;
    }

    @Test
    void aFusedEpilogueGivesTheUnfusedBitsOnAnyThreadCountAndTheInterpretersValues() {
        int threads = Kiln.numThreads();
        try {
            // {n, k, m}: 300 x 130 is a chunked loop run per block of 80 rows (the last block partial,
            // rows not a multiple of the vector width), its depth 300 two passes of 256; 600 columns
            // are two column blocks of 512; 20 x 20 is a loop too small for row ranges, run after the GEMM
            for (int[] s : new int[][] {{300, 300, 130}, {90, 40, 600}, {20, 30, 20}}) {
                for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                    Graph g = layer(s[0], s[1], s[2], dtype, "");
                    List<TensorData> in = inputs(s[0], s[1], s[2], dtype);
                    CompiledPlan fused = new CompiledPlan(g);
                    assertEquals(1, epilogues(fused.plan()), fused.describe());
                    CompiledPlan separate = new CompiledPlan(unfused(fused.plan()), false);
                    Kiln.setNumThreads(1);
                    double[] reference = values(separate.run(in).getFirst());
                    double[] one = values(fused.run(in).getFirst());
                    Kiln.setNumThreads(2);
                    double[] two = values(fused.run(in).getFirst());
                    String what = dtype + " " + java.util.Arrays.toString(s);
                    assertTrue(java.util.Arrays.equals(reference, one), "fused = unfused, bit for bit, " + what);
                    assertTrue(java.util.Arrays.equals(one, two), "1 thread = 2 threads, bit for bit, " + what);
                    double[] exact = values(Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1), 2, in.get(2))).getFirst());
                    double tolerance = dtype == DType.FLOAT32 ? 2e-5 : 1e-12;
                    for (int i = 0; i < exact.length; i++) {
                        assertEquals(exact[i], one[i], tolerance, what + " element " + i);
                    }
                }
            }
        } finally {
            Kiln.setNumThreads(threads);
        }
    }

    @Test
    void theGemmHandsOverEachRowOnceAndOnlyWhenItIsFinished() {
        int threads = Kiln.numThreads();
        try {
            // depth over one pass (kc), columns over one block (nc), rows over several blocks (mc) of the default blocking
            Gemm.Blocking blocking = Gemm.Blocking.DEFAULT;
            int n = 2 * blocking.mc() + 7;
            int k = blocking.kc() + 9;
            int m = blocking.nc() + 21;
            java.util.Random r = new java.util.Random(3);
            float[] a = new float[n * k];
            float[] b = new float[k * m];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextGaussian();
            }
            for (int t : new int[] {1, 2}) {
                Kiln.setNumThreads(t);
                float[] c = new float[n * m];
                java.util.Arrays.fill(c, Float.NaN); // an unfinished element is NaN or a partial sum
                java.util.concurrent.atomic.AtomicIntegerArray seen = new java.util.concurrent.atomic.AtomicIntegerArray(n);
                Gemm.sgemm(a, 0, k, 1, b, 0, m, 1, c, 0, n, m, k, VectorSupport.enabled() ? VectorSupport.gemmKernel()
                        : new Gemm.ScalarKernel(), (from, to) -> {
                            for (int i = from; i < to; i++) {
                                seen.incrementAndGet(i);
                                for (int j = 0; j < m; j += 37) {
                                    double exact = 0;
                                    for (int p = 0; p < k; p++) {
                                        exact += (double) a[i * k + p] * b[p * m + j];
                                    }
                                    assertEquals(exact, c[i * m + j], 1e-3, "row " + i + " is finished when handed over");
                                }
                            }
                        });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "row " + i + " handed over once, " + t + " thread(s)");
                }
            }
        } finally {
            Kiln.setNumThreads(threads);
        }
    }

    @Test
    void loopsWithReductionsOrOtherReadsOfTheProductStaySeparate() {
        // a sum over the block-wise loop would add in another order; a transposed read needs rows not yet done
        for (String extra : List.of("sum", "transposed")) {
            int n = extra.equals("sum") ? 300 : 200;
            int m = extra.equals("sum") ? 130 : 200;
            Graph g = layer(n, 70, m, DType.FLOAT32, extra);
            CompiledPlan plan = new CompiledPlan(g);
            assertEquals(0, epilogues(plan.plan()), extra + ": " + plan.describe());
            assertTrue(plan.describe().contains("gemm"), plan.describe());
            List<TensorData> in = inputs(n, 70, m, DType.FLOAT32);
            double[] exact = values(Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1), 2, in.get(2))).getFirst());
            double[] actual = values(plan.run(in).getFirst());
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], actual[i], 2e-5, extra + " element " + i);
            }
        }
    }
}
