package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A convolution's batched GEMM runs its bias-and-ReLU loop on each matrix of the batch as soon as
 * it is finished ({@link BatchedEpilogue}), with the interpreter's values, on one thread and two;
 * a loop that reads the product out of order stays a step of its own. (Loops of 2^15 positions or more:
 * smaller ones start scalar and switch later, and are not fused.)
 */
class BatchedEpilogueTest {
    private static Graph convLike(DType t, int batch, int out, int depth, int positions, boolean transposedRead) {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node w = b.input("w", new TensorType(Shape.of(1, out, depth), t));
        Node cols = b.input("cols", new TensorType(Shape.of(batch, 1, depth, positions), t));
        Node bias = b.input("bias", new TensorType(Shape.of(out), t));
        Node product = o.matmul(o.expand(o.reshape(w, Shape.of(1, 1, out, depth)), Shape.of(batch, 1, out, depth)), cols);
        Node y = o.reshape(product, Shape.of(batch, out, positions));
        if (transposedRead) {
            y = o.permute(o.reshape(product, Shape.of(batch, out, positions)), dev.kiln.ir.Axes.of(0, 2, 1));
            return b.build(o.binary(new dev.kiln.ir.Binary.Maximum(), y, 0.0));
        }
        Node biased = o.add(y, o.expand(o.reshape(bias, Shape.of(1, out, 1)), Shape.of(batch, out, positions)));
        return b.build(o.binary(new dev.kiln.ir.Binary.Maximum(), biased, 0.0));
    }

    private static List<TensorData> inputs(DType t, int batch, int out, int depth, int positions) {
        dev.kiln.Kiln.manualSeed(3);
        return List.of(Tensors.data(Tensor.randn(1, out, depth).to(t)), Tensors.data(Tensor.randn(batch, 1, depth, positions).to(t)),
                Tensors.data(Tensor.randn(out).to(t)));
    }

    @Test
    void theBiasAndReluLoopRunsPerBatchWithTheInterpretersValues() {
        int before = dev.kiln.Kiln.numThreads();
        try {
            for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
                for (int threads : new int[] {1, 2}) {
                    dev.kiln.Kiln.setNumThreads(threads);
                    Graph g = convLike(t, 6, 24, 37, 290, false);
                    CompiledPlan plan = new CompiledPlan(g);
                    assertEquals(1, plan.batchedEpilogues(), t + ": the loop runs inside the GEMM");
                    List<TensorData> in = inputs(t, 6, 24, 37, 290);
                    double[] got = Tensors.wrap(plan.run(in).getFirst()).toDoubleArray();
                    double[] want = Tensors.wrap(Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1), 2, in.get(2))).getFirst())
                            .toDoubleArray();
                    assertEquals(want.length, got.length);
                    double tol = t == DType.FLOAT32 ? 1e-4 : 1e-12;
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), t + " element " + i);
                    }
                }
            }
        } finally {
            dev.kiln.Kiln.setNumThreads(before);
        }
    }

    @Test
    void aLoopReadingTheProductOutOfOrderIsNotFused() {
        assertEquals(0, new CompiledPlan(convLike(DType.FLOAT32, 6, 24, 37, 290, true)).batchedEpilogues());
    }
}
