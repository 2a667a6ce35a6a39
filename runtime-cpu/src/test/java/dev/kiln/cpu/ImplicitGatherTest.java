package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Index;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A float32 gather read only by GEMMs is packed straight into their panels (an implicit im2col,
 * {@link Gathered}), and its broadcast index stays a view: the products have the bits they have
 * when the gather is written out first, in the forward product and in the transposed one of a
 * weight gradient, and a bad index fails as the gather does.
 */
class ImplicitGatherTest {
    /** Windows of a plane: x [n, c, l] gathered at index [1, 1, a] (broadcast), read as [n, 1, c·k, a/k]. */
    private record Windows(int n, int c, int l, int k, int outLen) {
        Graph graph(boolean gatherAsOutput) {
            GraphBuilder b = new GraphBuilder();
            Ops o = new Ops(b);
            Node x = b.input("x", new TensorType(Shape.of(n, c, l), DType.FLOAT32));
            Node index = b.input("index", new TensorType(Shape.of(1, 1, k * outLen), DType.INT64));
            Node w = b.input("w", new TensorType(Shape.of(1, 7, c * k), DType.FLOAT32));
            Node g = b.input("g", new TensorType(Shape.of(n, 1, 7, outLen), DType.FLOAT32));
            Node cols = b.add(new Index.Gather(2), x, o.expand(index, Shape.of(n, c, k * outLen)));
            Node panels = o.reshape(cols, Shape.of(n, 1, c * k, outLen));
            Node forward = o.matmul(o.expand(o.reshape(w, Shape.of(1, 1, 7, c * k)), Shape.of(n, 1, 7, c * k)), panels);
            Node weightGrad = o.matmul(g, o.permute(panels, Axes.of(0, 1, 3, 2)));
            return gatherAsOutput ? b.build(forward, weightGrad, cols) : b.build(forward, weightGrad);
        }

        List<TensorData> inputs(long seed, long badIndexAt) {
            Random r = new Random(seed);
            float[] x = new float[n * c * l];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            long[] index = new long[k * outLen];
            for (int i = 0; i < index.length; i++) {
                index[i] = i == badIndexAt ? l : r.nextInt(l);
            }
            float[] w = new float[7 * c * k];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            float[] g = new float[n * 7 * outLen];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) r.nextGaussian();
            }
            return List.of(data(Tensor.of(x).reshape(n, c, l)), data(Tensor.of(index).reshape(1, 1, k * outLen)),
                    data(Tensor.of(w).reshape(1, 7, c * k)), data(Tensor.of(g).reshape(n, 1, 7, outLen)));
        }
    }

    private static TensorData data(Tensor t) {
        return Tensors.data(t);
    }

    private static int[] bits(TensorData d) {
        float[] f = Tensors.wrap(d).toFloatArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }

    /**
     * A padded convolution gathers its windows from the input placed in zeros (two unslices), not through a {@code
     * where} over the padding: its GEMM packs the windows straight from that plane, with the bits of the eager
     * convolution (which writes the columns out).
     */
    @Test
    void aPaddedConvolutionsWindowsArePackedFromTheInputPlacedInZeros() {
        Tensor x = Tensor.randn(2, 3, 9, 7);
        Tensor w = Tensor.randn(4, 3, 3, 3);
        int[] one = {1, 1};
        int[] padding = {2, 1};
        java.util.Map<Node, Tensor> captured = new java.util.HashMap<>();
        Graph g = dev.kiln.internal.Tracing.trace(in -> dev.kiln.nn.Functional.conv2d(in.get(0), in.get(1), null, one, padding, one, 1),
                List.of(new TensorType(x.shape(), DType.FLOAT32), new TensorType(w.shape(), DType.FLOAT32)), null, captured::put);
        CompiledPlan plan = new CompiledPlan(g);
        assertEquals(1, plan.implicitGathers(), plan.describe());
        java.util.Iterator<Tensor> declared = List.of(x, w).iterator();
        List<TensorData> in = g.inputs().stream().map(n -> data(captured.containsKey(n) ? captured.get(n) : declared.next())).toList();
        assertArrayEquals(bits(data(dev.kiln.nn.Functional.conv2d(x, w, null, one, padding, one, 1))), bits(plan.run(in).getFirst()));
    }

    @Test
    void gemmsPackTheGatherWithTheBitsOfTheWrittenOutGather() {
        // odd sizes, a depth over one GEMM block (c·k > 256), panels wider than the index's row
        for (Windows s : List.of(new Windows(3, 5, 29, 9, 21), new Windows(2, 40, 50, 9, 33), new Windows(4, 3, 7, 4, 130))) {
            CompiledPlan implicit = new CompiledPlan(s.graph(false));
            CompiledPlan written = new CompiledPlan(s.graph(true));
            assertEquals(1, implicit.implicitGathers(), s + ": the gather is packed by the GEMMs");
            assertEquals(0, written.implicitGathers(), s + ": a gather that is an output is written out");
            assertTrue(implicit.viewSteps() >= 1, s + ": the expanded index is a view");
            for (long seed = 1; seed <= 3; seed++) {
                List<TensorData> in = s.inputs(seed, -1);
                List<TensorData> a = implicit.run(in);
                List<TensorData> b = written.run(in);
                assertArrayEquals(bits(b.get(0)), bits(a.get(0)), s + " forward product");
                assertArrayEquals(bits(b.get(1)), bits(a.get(1)), s + " transposed (weight-gradient) product");
            }
        }
    }

    /**
     * The gather's source is a loop's result (a ReLU, as in a convolution after an activation), and a
     * buffer of its size is written between the gather and the GEMM that packs from it: the arena must
     * not give that buffer the source's array (the GEMM reads the source through the gather).
     */
    @Test
    void aGatherOfALoopResultKeepsItsSourceUntilTheGemmPacksIt() {
        int n = 2;
        int c = 40;
        int l = 50;
        int k = 9;
        int outLen = 33;
        java.util.function.Function<Boolean, Graph> graph = written -> {
            GraphBuilder b = new GraphBuilder();
            Ops o = new Ops(b);
            Node x = b.input("x", new TensorType(Shape.of(n, c, l), DType.FLOAT32));
            Node index = b.input("index", new TensorType(Shape.of(1, 1, k * outLen), DType.INT64));
            Node w = b.input("w", new TensorType(Shape.of(1, 7, c * k), DType.FLOAT32));
            Node x2 = b.input("x2", new TensorType(Shape.of(n, c, l), DType.FLOAT32));
            Node relu = o.binary(new dev.kiln.ir.Binary.Maximum(), x, 0.0);
            Node cols = b.add(new Index.Gather(2), relu, o.expand(index, Shape.of(n, c, k * outLen)));
            Node other = o.mul(x2, x2); // same size as the ReLU's result, written after the gather's step
            Node otherProduct = o.matmul(o.reshape(other, Shape.of(n * c, l)), o.reshape(x2, Shape.of(l, n * c)));
            Node panels = o.reshape(cols, Shape.of(n, 1, c * k, outLen));
            Node forward = o.matmul(o.expand(o.reshape(w, Shape.of(1, 1, 7, c * k)), Shape.of(n, 1, 7, c * k)), panels);
            return written ? b.build(forward, otherProduct, cols) : b.build(forward, otherProduct);
        };
        CompiledPlan implicit = new CompiledPlan(graph.apply(false));
        CompiledPlan written = new CompiledPlan(graph.apply(true));
        assertEquals(1, implicit.implicitGathers(), "a loop result is gathered implicitly");
        Windows s = new Windows(n, c, l, k, outLen);
        for (long seed = 1; seed <= 3; seed++) {
            List<TensorData> base = s.inputs(seed, -1);
            List<TensorData> in = List.of(base.get(0), base.get(1), base.get(2), data(Tensor.randn(n, c, l)));
            List<TensorData> a = implicit.run(in);
            List<TensorData> e = written.run(in);
            assertArrayEquals(bits(e.get(0)), bits(a.get(0)), "forward product, seed " + seed);
            assertArrayEquals(bits(e.get(1)), bits(a.get(1)), "the other product, seed " + seed);
        }
    }

    @Test
    void aBadIndexFailsAsTheGatherDoesAndTheNextRunIsRight() {
        Windows s = new Windows(2, 3, 11, 3, 9);
        CompiledPlan implicit = new CompiledPlan(s.graph(false));
        CompiledPlan written = new CompiledPlan(s.graph(true));
        KilnException e = assertThrows(KilnException.class, () -> implicit.run(s.inputs(5, 4)));
        KilnException expected = assertThrows(KilnException.class, () -> written.run(s.inputs(5, 4)));
        assertEquals(expected.getMessage(), e.getMessage());
        assertTrue(e.getMessage().contains("index 11 is out of range for dimension 2 of size 11"), e.getMessage());
        List<TensorData> in = s.inputs(6, -1);
        assertArrayEquals(bits(written.run(in).get(0)), bits(implicit.run(in).get(0)));
    }
}
