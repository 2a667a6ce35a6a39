package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.spi.TensorData;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Large kernels run in chunks shared by threads: the same bits for any thread count, the
 * interpreter's values, and accurate sums at a million points.
 */
class ParallelKernelProperties {
    /** Awkward large domains: a prime length, and rows that do not divide into the chunks evenly. */
    private static final List<Shape> SHAPES = List.of(Shape.of(1_000_003), Shape.of(4097, 33), Shape.of(33, 4097),
            Shape.of(257, 129, 3), Shape.of(65537));

    /** A loss over x, w, b of {@code shape}: a fused elementwise chain, a whole sum, a max, a row sum, and a stored tanh. */
    private static Graph program(Shape shape, DType dtype) {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        TensorType t = new TensorType(shape, dtype);
        Node x = b.input("x", t);
        Node w = b.input("w", t);
        Node y = b.input("y", t);
        Node err = o.sub(o.add(o.mul(x, w), o.unary(new Unary.Sin(), x)), y);
        Node loss = o.sumAll(o.mul(err, err));
        Node peak = o.max(err, Axes.of(java.util.stream.IntStream.range(0, shape.rank()).toArray()), false);
        Node rows = o.sum(o.unary(new Unary.Tanh(), err), Axes.of(shape.rank() - 1), false);
        Node stored = o.mul(o.unary(new Unary.Tanh(), err), 0.5);
        return b.build(loss, peak, rows, stored);
    }

    @Test
    void chunkedKernelsGiveTheSameBitsForAnyThreadCount() {
        int before = Kiln.numThreads();
        try {
            // every shape in both dtypes (a drawn sample could miss the 1,000,003-element float64 pair);
            // float64 too: float32 outputs would round away a change in the order partial sums combine
            long seed = Props.seedOf("thread-count independence");
            for (Shape shape : SHAPES) {
                for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                    seed += 3;
                    checkThreadCounts(shape, dtype, seed);
                }
            }
        } finally {
            Kiln.setNumThreads(before);
        }
    }

    private static void checkThreadCounts(Shape shape, DType dtype, long seed) {
        Graph g = program(shape, dtype);
        List<TensorData> in = List.of(Tensors.data(Props.normal(shape, seed).to(dtype)),
                Tensors.data(Props.normal(shape, seed + 1).to(dtype)), Tensors.data(Props.normal(shape, seed + 2).to(dtype)));
        CompiledPlan plan = new CompiledPlan(g);
        assertTrue(plan.describe().contains("kernel"), plan.describe());
        List<double[]> first = null;
        for (int threads = 1; threads <= 3; threads++) {
            Kiln.setNumThreads(threads);
            List<double[]> out = plan.run(in).stream().map(d -> Tensors.wrap(d).toDoubleArray()).toList();
            if (first == null) {
                first = out;
                List<TensorData> expected = Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1), 2, in.get(2)));
                for (int i = 0; i < expected.size(); i++) {
                    double[] e = Tensors.wrap(expected.get(i)).toDoubleArray();
                    for (int j = 0; j < e.length; j++) {
                        // float32 elements; the sums are float64 in both, in a different order
                        double tolerance = (i == 0 ? 1e-9 * shape.numel() : 1e-5) * Math.max(1, Math.abs(e[j]));
                        assertEquals(e[j], out.get(i)[j], tolerance, "output " + i + " element " + j + " of " + shape);
                    }
                }
            } else {
                for (int i = 0; i < out.size(); i++) {
                    assertTrue(java.util.Arrays.equals(first.get(i), out.get(i)),
                            "output " + i + " differs between 1 and " + threads + " threads for " + shape + " " + dtype);
                }
            }
        }
    }

    @Test
    void aMillionPointSumStaysAccurateInFloat32() {
        // sum of 10^6 float32 values near 1: a single float accumulator is off by ~1e-3 relative;
        // Kiln's vector loop adds 64 values per lane in float, then folds into float64 per chunk,
        // and combines the chunks in float64
        int n = 1_000_000;
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", new TensorType(Shape.of(n), DType.FLOAT32));
        Graph g = b.build(o.sumAll(o.mul(x, x)));
        float[] values = new float[n];
        double exact = 0;
        for (int i = 0; i < n; i++) {
            values[i] = 1f + (i % 1000) * 1e-4f;
            exact += (double) values[i] * values[i];
        }
        TensorData in = Tensors.data(dev.kiln.Tensor.of(values));
        double got = Tensors.wrap(new CompiledPlan(g).run(List.of(in)).getFirst()).item();
        float naive = 0f;
        for (float v : values) {
            naive += v * v;
        }
        assertTrue(Math.abs(naive - exact) / exact > 1e-4, "a float accumulator would be visibly off: " + naive + " vs " + exact);
        assertEquals(exact, got, exact * 1e-7, "within 1e-7 of the exact sum");
    }
}
