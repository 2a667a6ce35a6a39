package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Attend;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tiled attention kernels against the interpreter's direct loops (the oracle), on one and two threads, across tile edges. */
class AttentionKernelsTest {
    private static TensorData r(Generator g, int... dims) {
        return Tensors.data(Tensor.randn(Shape.of(dims), DType.FLOAT64, g));
    }

    @Test
    void tilesMatchTheInterpretersLoopsOnOneAndTwoThreads() {
        int threads = Kiln.numThreads();
        try {
            for (int n : new int[] {1, 2}) {
                Kiln.setNumThreads(n);
                for (boolean causal : new boolean[] {false, true}) {
                    // L = 75 rows and S = 130 keys: partial row (32) and key (64) tiles; causal with S > L
                    Generator g = new Generator(3);
                    List<TensorData> in = List.of(r(g, 3, 2, 75, 5), r(g, 3, 2, 130, 5), r(g, 3, 2, 130, 4));
                    Attend.Forward f = new Attend.Forward(causal, 0.4);
                    TensorType packed = f.infer(in.stream().map(d -> new TensorType(d.shape(), d.dtype())).toList());
                    TensorData fwd = AttentionKernels.execute(f, in, packed);
                    String what = "causal " + causal + ", threads " + n;
                    close(Interpreter.execute(f, in, packed), fwd, "forward, " + what);
                    Attend.Backward b = new Attend.Backward(causal, 0.4);
                    List<TensorData> all = new ArrayList<>(in);
                    all.add(fwd);
                    all.add(r(g, packed.shape().toArray()));
                    TensorType grads = b.infer(all.stream().map(d -> new TensorType(d.shape(), d.dtype())).toList());
                    close(Interpreter.execute(b, all, grads), AttentionKernels.execute(b, all, grads), "backward, " + what);
                }
            }
        } finally {
            Kiln.setNumThreads(threads);
        }
    }

    /**
     * float32 runs the Vector API's kernel (VectorAttention): against the interpreter's double loops on the same float
     * values (to float32 rounding), with head sizes that are all tail (5, 3), vector and tail (37, 20), across key
     * blocks (S = 130 > 64) and causal rows, the same bits on one and two threads and eagerly through the public API.
     */
    @Test
    void float32RunsTheVectorKernelWithTheLoopsValuesAndTheSameBitsOnAnyThreadCount() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.attention() != null, "the Vector API is not enabled");
        int threads = Kiln.numThreads();
        try {
            for (int[] size : new int[][] {{75, 130, 5, 3}, {70, 70, 37, 20}, {1, 1, 16, 16}}) {
                for (boolean causal : new boolean[] {false, true}) {
                    Generator g = new Generator(5);
                    List<TensorData> in = List.of(r32(g, 3, size[0], size[2]), r32(g, 3, size[1], size[2]), r32(g, 3, size[1], size[3]));
                    Attend.Forward f = new Attend.Forward(causal, 1 / Math.sqrt(size[2]));
                    TensorType packed = f.infer(in.stream().map(d -> new TensorType(d.shape(), d.dtype())).toList());
                    String what = java.util.Arrays.toString(size) + ", causal " + causal;
                    TensorData[] fwd = new TensorData[2];
                    TensorData[] grads = new TensorData[2];
                    TensorData gOut = r32(g, packed.shape().toArray());
                    Attend.Backward b = new Attend.Backward(causal, 1 / Math.sqrt(size[2]));
                    for (int n = 1; n <= 2; n++) {
                        Kiln.setNumThreads(n);
                        fwd[n - 1] = AttentionKernels.execute(f, in, packed);
                        List<TensorData> all = new ArrayList<>(in);
                        all.add(fwd[n - 1]);
                        all.add(gOut);
                        TensorType gt = b.infer(all.stream().map(d -> new TensorType(d.shape(), d.dtype())).toList());
                        grads[n - 1] = AttentionKernels.execute(b, all, gt);
                        if (n == 1) {
                            near(AttentionLoops.execute(f, in, packed), fwd[0], "float32 forward, " + what);
                            near(AttentionLoops.execute(b, all, gt), grads[0], "float32 backward, " + what);
                        }
                    }
                    org.junit.jupiter.api.Assertions.assertArrayEquals(fwd[0].toFloatArray(), fwd[1].toFloatArray(), "1 and 2 threads, " + what);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(grads[0].toFloatArray(), grads[1].toFloatArray(),
                            "1 and 2 threads, " + what);
                }
            }
        } finally {
            Kiln.setNumThreads(threads);
        }
    }

    private static TensorData r32(Generator g, int... dims) {
        return Tensors.data(Tensor.randn(Shape.of(dims), DType.FLOAT32, g));
    }

    /** Within float32 rounding of sums of a few hundred terms: 2e-5 relative to the value or 1. */
    private static void near(TensorData expected, TensorData actual, String what) {
        within(expected, actual, 2e-5, what);
    }

    private static void close(TensorData expected, TensorData actual, String what) {
        within(expected, actual, 1e-12, what);
    }

    private static void within(TensorData expected, TensorData actual, double relative, String what) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], relative * Math.max(1, Math.abs(e[i])), what + " [" + i + "]");
        }
    }
}
