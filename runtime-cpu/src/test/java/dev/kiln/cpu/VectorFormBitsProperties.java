package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.codegen.jvm.JvmEmitter;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * A compiled plan starts its short loops in scalar form and switches them to their Vector API form
 * after thousands of runs; the switch must change speed, never results. Random float32 loops (+ − × ÷,
 * negation, abs, sqrt, maximum, minimum, tanh, small powers, a row's maximum read back from its float64
 * accumulator, broadcasts, stores and sums) at sizes around the lane count, the 2048-position sum blocks and
 * the chunking threshold give bit-identical outputs in both forms, with multiply-add contraction on and off,
 * at every vector width this CPU runs (128, 256 and 512 bits on AVX-512); both forms agree with the
 * interpreter within float32 rounding.
 */
class VectorFormBitsProperties {
    private static final int[][] SHAPES = {{1}, {7}, {8}, {9}, {63}, {2047}, {2048}, {2049}, {4103}, {3, 9}, {5, 31},
            {2, 2050}, {40_000}, {5, 8_000}};

    @Test
    void theScalarFormGivesTheVectorFormsBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.enabled(), "the Vector API is not enabled in this JVM");
        List<Integer> widths = VectorSupport.widths();
        Gen<long[]> cases = Generate.longRange(0, Long.MAX_VALUE).zip(Generate.range(0, SHAPES.length - 1),
                Generate.booleans(), Generate.range(0, widths.size() - 1),
                (seed, shape, fma, width) -> new long[] {seed, shape, fma ? 1 : 0, widths.get(width)});
        qt().withFixedSeed(Long.getLong("kiln.seed", 20261203L)).withExamples(150).forAll(cases).checkAssert(c -> {
            int[] dims = SHAPES[(int) c[1]];
            boolean fma = c[2] == 1;
            int bits = (int) c[3];
            Graph g = program(new Random(c[0]), dims);
            List<TensorData> inputs = inputs(new Random(~c[0]), g);
            List<TensorData> scalar = new CompiledPlan(g, JvmEmitter.Options.lanes(fma, bits)).run(inputs);
            List<TensorData> vector = new CompiledPlan(g, JvmEmitter.Options.vectors(fma, bits)).run(inputs);
            List<TensorData> expected = Interpreter.run(g, java.util.Map.of(0, inputs.get(0), 1, inputs.get(1)));
            String what = "case " + c[0] + " shape " + java.util.Arrays.toString(dims) + " fma " + fma + " " + bits + " bits";
            for (int o = 0; o < scalar.size(); o++) {
                double[] a = scalar.get(o).toDoubleArray();
                double[] b = vector.get(o).toDoubleArray();
                double[] e = expected.get(o).toDoubleArray();
                double scale = 0;
                for (double x : e) {
                    scale = Double.isFinite(x) ? Math.max(scale, Math.abs(x)) : scale;
                }
                for (int i = 0; i < a.length; i++) {
                    if (Double.doubleToRawLongBits(a[i]) != Double.doubleToRawLongBits(b[i])) {
                        assertEquals(b[i], a[i], 0.0, what + ": output " + o + " element " + i + " of\n" + g);
                    }
                    // float32 rounding of each op, relative to the output's largest magnitude (sums of thousands of
                    // terms); an overflow must overflow in both
                    if (Double.isFinite(e[i]) && Math.abs(e[i]) < 1e30) {
                        assertEquals(e[i], b[i], 1e-4 * (1 + scale), what + ": output " + o + " element " + i + " against the interpreter");
                    }
                }
            }
        });
    }

    /** A random vectorizable float32 program over two inputs (one maybe broadcast along the rows). */
    static Graph program(Random r, int[] dims) {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Shape shape = Shape.of(dims);
        Node x = b.input("x", new TensorType(shape, DType.FLOAT32));
        int[] colDims = dims.clone();
        colDims[colDims.length - 1] = 1;
        Node y = r.nextBoolean() ? b.input("y", new TensorType(shape, DType.FLOAT32))
                : o.expand(b.input("y", new TensorType(Shape.of(colDims), DType.FLOAT32)), shape);
        List<Node> pool = new ArrayList<>(List.of(x, y));
        for (int k = 0; k < 3 + r.nextInt(8); k++) {
            Node a = pool.get(r.nextInt(pool.size()));
            Node c = pool.get(r.nextInt(pool.size()));
            Node n = switch (r.nextInt(14)) {
                case 0 -> o.add(a, c);
                case 1 -> o.sub(a, c);
                case 2, 3 -> o.mul(a, c);
                case 4 -> o.div(a, o.binary(new dev.kiln.ir.Binary.Add(), o.mul(c, c), 1.0));
                case 5 -> o.neg(a);
                case 6 -> o.unary(new dev.kiln.ir.Unary.Tanh(), a);
                case 7 -> o.pow(a, 1 + r.nextInt(5));
                case 8 -> o.exp(o.mul(a, 0.3));
                case 9 -> o.unary(new dev.kiln.ir.Unary.Erf(), o.mul(a, 0.7)); // GELU's erf (float32: FloatMath.erf, VectorMath.erf)
                case 10 -> o.unary(new dev.kiln.ir.Unary.Sqrt(), o.unary(new dev.kiln.ir.Unary.Abs(), a));
                case 11 -> o.binary(new dev.kiln.ir.Binary.Maximum(), a, c);
                case 12 -> o.binary(new dev.kiln.ir.Binary.Minimum(), a, o.neg(c));
                case 13 -> o.unary(new dev.kiln.ir.Unary.Abs(), a);
                default -> o.add(o.mul(a, c), o.mul(a, 0.25 + r.nextInt(4)));
            };
            pool.add(n);
        }
        List<Node> outs = new ArrayList<>();
        if (dims.length == 2 && r.nextBoolean()) { // softmax's numerator: each row's maximum (a float64 accumulator) read back
            Node a = pool.getLast();
            Node max = o.expand(o.max(a, dev.kiln.ir.Axes.of(1), true), shape);
            pool.add(o.exp(o.sub(a, max)));
        }
        if (dims.length == 2 && r.nextBoolean()) { // sums along each row: the loop's row sums
            outs.add(o.sum(o.mul(pool.getLast(), pool.get(pool.size() - 2)), dev.kiln.ir.Axes.of(1), true));
        }
        outs.add(o.sumAll(pool.getLast()));
        outs.add(o.sumAll(o.mul(pool.get(pool.size() - 2), pool.getLast())));
        if (r.nextBoolean()) {
            outs.add(pool.getLast());
        }
        return b.build(outs.toArray(Node[]::new));
    }

    static List<TensorData> inputs(Random r, Graph g) {
        List<TensorData> in = new ArrayList<>();
        for (Node n : g.inputs()) {
            Shape s = n.type().shape();
            float[] v = new float[s.numel()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 1.5);
            }
            in.add(Tensors.data(Tensor.of(v).reshape(s.toArray())));
        }
        return in;
    }
}
