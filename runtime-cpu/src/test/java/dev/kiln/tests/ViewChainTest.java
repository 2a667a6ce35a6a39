package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Axes;
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
 * A chain of views that is not one strided view of its buffer (a reshape of a transposed or broadcast
 * value) is copied in two steps, the inner copy first. Found by the data-parallel tests: the flattened
 * transposed gradient fed to an all-reduce was copied before it was computed.
 */
class ViewChainTest {
    @Test
    void aReshapeOfATransposedProductIsCopiedAfterTheProduct() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", TensorType.of(DType.FLOAT64, 12, 5));
        Node w = b.input("w", TensorType.of(DType.FLOAT64, 12, 16));
        Node product = o.matmul(o.transposeLast(x), w);                           // [5, 16], a GEMM
        Node flat = o.reshape(o.permute(product, Axes.of(1, 0)), Shape.of(80));     // not a view of the GEMM's buffer
        Node broadcast = o.reshape(o.expand(o.sum(x, Axes.of(0), true), Shape.of(3, 5)), Shape.of(15));
        Node asInt = o.cast(o.mul(flat, 100.0), DType.INT64);                       // an interpreted step reads it whole
        Graph g = b.build(o.exp(o.mul(flat, 0.1)), asInt, o.neg(broadcast));
        TensorData xs = Tensors.data(Props.normal(Shape.of(12, 5), 1));
        TensorData ws = Tensors.data(Props.normal(Shape.of(12, 16), 2));
        List<TensorData> expected = Interpreter.run(g, Map.of(0, xs, 1, ws));
        CompiledPlan plan = new CompiledPlan(g);
        for (int run = 0; run < 3; run++) {
            List<TensorData> actual = plan.run(List.of(xs, ws));
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(Tensors.wrap(expected.get(i)).toDoubleArray(), Tensors.wrap(actual.get(i)).toDoubleArray(), 1e-12,
                        "output " + i + ", run " + run + "\n" + plan.describe());
            }
        }
    }
}
