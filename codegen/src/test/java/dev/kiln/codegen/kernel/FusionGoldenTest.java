package dev.kiln.codegen.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.autodiff.Autodiff;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import dev.kiln.pass.Pipeline;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden plans: what the fusion planner makes of the seed's training step and of a few fusion
 * shapes, as {@code Plan.describe()} text. A planner or kernel-IR change shows up here as a
 * reviewable diff; each test also states the structural fact the text should show.
 */
class FusionGoldenTest {
    private static final DType F32 = DType.FLOAT32;

    private static Plan plan(Graph g) {
        return FusionPlanner.plan(Pipeline.standard(true).run(g));
    }

    /**
     * Compares a plan's text with its golden copy; on a difference the new text is also written to
     * {@code target/golden-actual/NAME.txt}, to review and, if right, to paste in.
     */
    private static void assertGolden(String name, String expected, String actual) {
        if (!expected.equals(actual)) {
            try {
                java.nio.file.Path dir = java.nio.file.Path.of("target", "golden-actual");
                java.nio.file.Files.createDirectories(dir);
                java.nio.file.Files.writeString(dir.resolve(name + ".txt"), actual);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        assertEquals(expected, actual, name + " (new text in target/golden-actual/" + name + ".txt)");
    }

    private static long kernels(Plan p) {
        return p.steps().stream().filter(s -> s instanceof Plan.KernelStep).count();
    }

    /** The seed's cubic fit: forward, loss, four gradient sums and four SGD updates. */
    static Graph cubicStep() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", TensorType.of(F32, 2000));
        Node y = b.input("y", TensorType.of(F32, 2000));
        Node[] p = new Node[4];
        for (int i = 0; i < 4; i++) {
            p[i] = b.input("abcd".substring(i, i + 1), TensorType.of(F32));
        }
        Node lr = b.input("lr", TensorType.of(F32));
        Node pred = o.add(o.add(o.add(p[0], o.mul(p[1], x)), o.mul(p[2], o.pow(x, 2))), o.mul(p[3], o.pow(x, 3)));
        Node loss = o.sumAll(o.pow(o.sub(pred, y), 2));
        Node seed = b.add(new Movement.Reshape(Shape.scalar()), o.constant(1, F32));
        Autodiff.Gradients g = Autodiff.gradients(b, loss, List.of(p), seed);
        Node[] out = new Node[5];
        out[0] = loss;
        for (int i = 0; i < 4; i++) {
            out[i + 1] = o.sub(p[i], o.mul(lr, g.grads().get(i)));
        }
        return b.build(out);
    }

    @Test
    void theSeedsTrainingStepIsOneKernel() {
        Plan p = plan(cubicStep());
        assertEquals(1, kernels(p));
        Kernel k = p.kernels().getFirst();
        assertEquals(5, k.reductions().size(), "the loss and four gradient sums, one loop");
        // reads: the four updates in the epilogue are a - lr * sum(2 err), b - lr * sum(2 err x),
        // c - lr * sum(2 err x^2), d - lr * sum(2 err x^3). (The prologue's s5 = 2.0 is hoisted and
        // then unused, the body reloads the constant: harmless, and visible here.)
        assertGolden("the-seed-step", """
                1 fused loop kernel(s), 0 scalar-only kernel(s), 0 single op(s)
                buf0: float32[2000] (input 0)
                buf1: float32[2000] (input 1)
                buf2: float32[] (input 2)
                buf3: float32[] (input 3)
                buf4: float32[] (input 4)
                buf5: float32[] (input 5)
                buf6: float32[] (input 6)
                buf7: float32[] (output 0)
                buf8: float32[] (output 1)
                buf9: float32[] (output 2)
                buf10: float32[] (output 3)
                buf11: float32[] (output 4)
                s0 = buf2[0]
                s1 = buf3[0]
                s2 = buf4[0]
                s3 = buf5[0]
                s4 = buf6[0]
                kernel k0 over [2000]
                  before: s5 = v0 = 2.0
                  load 0: buf0(float32) strides [1] offset 0
                  load 1: buf1(float32) strides [1] offset 0
                  v0 = s1
                  v1 = load0
                  v2 = mul(v0, v1)
                  v3 = s0
                  v4 = add(v3, v2)
                  v5 = mul(v1, v1)
                  v6 = s2
                  v7 = mul(v6, v5)
                  v8 = add(v4, v7)
                  v9 = mul(v5, v1)
                  v10 = s3
                  v11 = mul(v10, v9)
                  v12 = add(v8, v11)
                  v13 = load1
                  v14 = sub(v12, v13)
                  v15 = mul(v14, v14)
                  v16 = 2.0
                  v17 = mul(v16, v14)
                  v18 = mul(v17, v9)
                  v19 = mul(v17, v5)
                  v20 = mul(v17, v1)
                  s6 = sum(v15)
                  s7 = sum(v18)
                  s8 = sum(v19)
                  s9 = sum(v17)
                  s10 = sum(v20)
                  after: s11 = v0 = s4; v1 = s9; v2 = mul(v0, v1)
                  after: s12 = v0 = s0; v1 = s11; v2 = sub(v0, v1)
                  after: s13 = v0 = s4; v1 = s10; v2 = mul(v0, v1)
                  after: s14 = v0 = s1; v1 = s13; v2 = sub(v0, v1)
                  after: s15 = v0 = s4; v1 = s8; v2 = mul(v0, v1)
                  after: s16 = v0 = s2; v1 = s15; v2 = sub(v0, v1)
                  after: s17 = v0 = s4; v1 = s7; v2 = mul(v0, v1)
                  after: s18 = v0 = s3; v1 = s17; v2 = sub(v0, v1)
                buf7[0] = s6
                buf8[0] = s12
                buf9[0] = s14
                buf10[0] = s16
                buf11[0] = s18
                """, p.describe());
    }

    @Test
    void anElementwiseChainIsOneLoop() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", TensorType.of(F32, 4, 64));
        Node y = b.input("y", TensorType.of(F32, 64));
        Node z = o.unary(new Unary.Tanh(), o.exp(o.add(o.mul(x, y), o.constant(1, F32))));
        Plan p = plan(b.build(z));
        assertEquals(1, kernels(p));
        assertGolden("elementwise-chain", """
                1 fused loop kernel(s), 0 scalar-only kernel(s), 0 single op(s)
                buf0: float32[4, 64] (input 0)
                buf1: float32[64] (input 1)
                buf2: float32[4, 64] (output 0)
                kernel k0 over [4, 64]
                  before: s0 = v0 = 1.0
                  load 0: buf0(float32) strides [64, 1] offset 0
                  load 1: buf1(float32) strides [0, 1] offset 0
                  v0 = load0
                  v1 = load1
                  v2 = mul(v0, v1)
                  v3 = 1.0
                  v4 = add(v2, v3)
                  v5 = exp(v4)
                  v6 = tanh(v5)
                  buf2[i] = v6 (float32)
                """, p.describe());
    }

    @Test
    void reductionsOverOneDomainFuseHorizontally() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", TensorType.of(F32, 1000));
        Graph g = b.build(o.sumAll(x), o.sumAll(o.mul(x, x)), o.max(x, Axes.of(0), false));
        Plan p = plan(g);
        assertEquals(1, kernels(p));
        assertEquals(3, p.kernels().getFirst().reductions().size());
        assertGolden("horizontal-reductions", """
                1 fused loop kernel(s), 0 scalar-only kernel(s), 0 single op(s)
                buf0: float32[1000] (input 0)
                buf1: float32[] (output 0)
                buf2: float32[] (output 1)
                buf3: float32[] (output 2)
                kernel k0 over [1000]
                  load 0: buf0(float32) strides [1] offset 0
                  v0 = load0
                  v1 = mul(v0, v0)
                  s0 = sum(v0)
                  s1 = sum(v1)
                  s2 = max(v0)
                buf1[0] = s0
                buf2[0] = s1
                buf3[0] = s2
                """, p.describe());
    }

    @Test
    void aLinearLayerIsAGemmWithItsEpilogue() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", TensorType.of(F32, 256, 64));
        Node w = b.input("w", TensorType.of(F32, 128, 64));
        Node bias = b.input("b", TensorType.of(F32, 128));
        Node h = o.unary(new Unary.Tanh(), o.add(o.matmul(x, o.transposeLast(w)), bias));
        Plan p = plan(b.build(h));
        Plan.MatMulStep gemm = (Plan.MatMulStep) p.steps().stream().filter(s -> s instanceof Plan.MatMulStep).findFirst()
                .orElseThrow();
        assertEquals(true, gemm.epilogue() != null, "bias and tanh run as the GEMM's epilogue");
        assertGolden("gemm-epilogue", """
                0 fused loop kernel(s), 0 scalar-only kernel(s), 1 GEMM(s) (1 with a fused epilogue), 0 single op(s)
                buf0: float32[256, 64] (input 0)
                buf1: float32[128, 64] (input 1)
                buf2: float32[128] (input 2)
                buf3: float32[256, 128]
                buf4: float32[256, 128] (output 0)
                gemm buf3[256,128] = buf0[256,64] @ buf1[64,128], epilogue per block of rows: kernel k0 over [256, 128]
                  load 0: buf3(float32) strides [128, 1] offset 0
                  load 1: buf2(float32) strides [0, 1] offset 0
                  v0 = load0
                  v1 = load1
                  v2 = add(v0, v1)
                  v3 = tanh(v2)
                  buf4[i] = v3 (float32)
                """, p.describe());
    }

    /** A reshaped gradient read by col2im's scatter: a movement step (the runtime runs it as a view), not a copy loop. */
    @Test
    void aViewAnInterpretedOpReadsIsAMovementStepNotACopy() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node g = b.input("g", TensorType.of(F32, 4, 6, 10));
        Node index = b.input("index", TensorType.of(DType.INT64, 4, 3, 20));
        Node cols = o.mul(g, g); // a loop's result, then reshaped for the scatter
        Node placed = b.add(new dev.kiln.ir.Index.ScatterAdd(2, 7), index, o.reshape(cols, dev.kiln.Shape.of(4, 3, 20)));
        Plan p = plan(b.build(placed));
        assertEquals(1, kernels(p), p.describe());
        assertTrue(p.steps().stream().anyMatch(s -> s instanceof Plan.OpStep st && st.op() instanceof dev.kiln.ir.Movement.Reshape), p.describe());
    }
}
