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

    private static void close(TensorData expected, TensorData actual, String what) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-12 * Math.max(1, Math.abs(e[i])), what + " [" + i + "]");
        }
    }
}
