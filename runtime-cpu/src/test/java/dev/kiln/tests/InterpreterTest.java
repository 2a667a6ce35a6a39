package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;
import dev.kiln.cpu.Interpreter;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The interpreter against values computed independently, by hand. */
class InterpreterTest {
    @Test
    void reductionsOverAxesOfAStridedView() {
        Tensor x = Tensor.arange(24).to(DType.FLOAT64).reshape(2, 3, 4).permute(2, 0, 1); // [4, 2, 3]
        double[] expected = new double[4];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    expected[k] += i * 12 + j * 4 + k;
                }
            }
        }
        assertArrayEquals(expected, x.sum(new int[] {1, 2}, false).toDoubleArray());
        assertArrayEquals(new double[] {20, 21, 22, 23}, x.amax(new int[] {1, 2}, false).toDoubleArray());
    }

    @Test
    void nanPropagatesThroughMaxAndMaximum() {
        Tensor x = Tensor.of(1.0, Double.NaN, 3.0);
        assertTrue(Double.isNaN(x.max().item()));
        assertTrue(Double.isNaN(x.maximum(Tensor.scalar(0)).toDoubleArray()[1]));
    }

    @Test
    void castsTruncateTowardZeroAndIntegersStayExact() {
        assertArrayEquals(new long[] {-1, 0, 1, 2}, Tensor.of(-1.7, -0.2, 1.9, 2.0).to(DType.INT64).toLongArray());
        long big = (1L << 53) + 1;
        assertArrayEquals(new long[] {big + 1}, Tensor.of(big).add(1L).toLongArray());
        assertArrayEquals(new long[] {-8, 9}, Tensor.of(-2L, 3L).pow(Tensor.of(3L, 2L)).toLongArray());
        assertEquals(DType.FLOAT32, Tensor.of(1L, 2L).div(Tensor.of(2L, 4L)).dtype());
        assertArrayEquals(new float[] {0.5f, 0.5f}, Tensor.of(1L, 2L).div(Tensor.of(2L, 4L)).toFloatArray());
    }

    @Test
    void float32ResultsRoundOncePerOp() {
        float a = 0.1f;
        float b = 0.2f;
        assertEquals(a + b, Tensor.of(a).add(Tensor.of(b)).toFloatArray()[0]);
        assertEquals((float) Math.sin(a), Tensor.of(a).sin().toFloatArray()[0]);
    }

    @Test
    void unsliceScattersIntoZeros() {
        GraphBuilder b = new GraphBuilder();
        Node x = b.input("x", TensorType.of(DType.FLOAT64, 2, 2));
        Node u = b.add(new Movement.Unslice(1, 1, 2, 5), x);
        Graph g = b.build(u);
        TensorData in = Tensors.data(Tensor.of(DType.FLOAT64, 1, 2, 3, 4).reshape(2, 2));
        TensorData out = Interpreter.run(g, Map.of(0, in)).getFirst();
        assertEquals(Shape.of(2, 5), out.shape());
        double[] v = new double[10];
        for (int i = 0; i < 10; i++) {
            v[i] = out.getDouble(i);
        }
        assertArrayEquals(new double[] {0, 1, 0, 2, 0, 0, 3, 0, 4, 0}, v);
    }

    @Test
    void randomLeavesMatchEagerDraws() {
        Generator gen = new Generator(9);
        long offset = gen.offset();
        Tensor eager = Tensor.randn(Shape.of(3, 5), DType.FLOAT32, gen);
        GraphBuilder b = new GraphBuilder();
        Node r = b.add(new Leaf.Random(Leaf.Distribution.NORMAL, 9, offset, TensorType.of(DType.FLOAT32, 3, 5)));
        TensorData out = Interpreter.run(b.build(new Ops(b).mul(r, 1.0)), Map.of()).getFirst();
        for (int i = 0; i < 15; i++) {
            assertEquals(eager.toFloatArray()[i], (float) out.getDouble(i));
        }
    }

    @Test
    void matmulAgainstLoops() {
        Tensor a = Tensor.randn(Shape.of(3, 13, 7), DType.FLOAT64, new Generator(1));
        Tensor c = Tensor.randn(Shape.of(3, 7, 5), DType.FLOAT64, new Generator(2));
        double[] av = a.toDoubleArray();
        double[] cv = c.toDoubleArray();
        // the interpreter's own matmul (eager matmul runs the GEMM), on a transposed view of c too
        double[] out = Tensors.wrap(dev.kiln.cpu.Interpreter.execute(new dev.kiln.ir.MatMul(), java.util.List.of(Tensors.data(a), Tensors.data(c)),
                dev.kiln.ir.TensorType.of(DType.FLOAT64, 3, 13, 5))).toDoubleArray();
        Tensor ct = c.transpose(1, 2).contiguous().transpose(1, 2); // c's values through a strided view
        double[] strided = Tensors.wrap(dev.kiln.cpu.Interpreter.execute(new dev.kiln.ir.MatMul(), java.util.List.of(Tensors.data(a), Tensors.data(ct)),
                dev.kiln.ir.TensorType.of(DType.FLOAT64, 3, 13, 5))).toDoubleArray();
        assertArrayEquals(out, strided, 0.0);
        for (int bt = 0; bt < 3; bt++) {
            for (int i = 0; i < 13; i++) {
                for (int j = 0; j < 5; j++) {
                    double s = 0;
                    for (int k = 0; k < 7; k++) {
                        s += av[bt * 91 + i * 7 + k] * cv[bt * 35 + k * 5 + j];
                    }
                    assertEquals(s, out[bt * 65 + i * 5 + j], 1e-12);
                }
            }
        }
        Tensor s = a.sum(new int[] {0, 1}, false);
        assertEquals(Shape.of(7), s.shape());
        assertEquals(Shape.of(3, 1, 7), a.sum(new int[] {1}, true).shape());
        assertEquals(Shape.of(3, 7, 13), a.transpose(1, 2).contiguous().shape());
        assertArrayEquals(a.transpose(1, 2).toDoubleArray(), a.transpose(1, 2).contiguous().toDoubleArray());
        assertEquals(Axes.of(0, 1), Axes.of(0, 1));
    }
}
