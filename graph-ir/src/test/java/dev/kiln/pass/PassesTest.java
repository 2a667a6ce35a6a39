package dev.kiln.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Verifier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Structural checks of each pass; that they preserve values is a property test in runtime-cpu. */
class PassesTest {
    private final GraphBuilder b = new GraphBuilder();
    private final Ops o = new Ops(b);
    private final Node x = b.input("x", TensorType.of(DType.FLOAT32, 4));

    @Test
    void constantsFold() {
        Node two = o.constant(2, DType.FLOAT32);
        Node three = o.constant(3, DType.FLOAT32);
        Node y = o.mul(x, o.mul(two, three));
        Graph g = new FoldConstants().apply(b.build(y));
        Graph clean = new EliminateDeadCode().apply(g);
        assertTrue(clean.toString().contains("const 6.0"), clean.toString());
        assertTrue(!clean.toString().contains("const 2.0"), clean.toString());
    }

    @Test
    void foldingRoundsThroughTheResultType() {
        Node third = o.div(o.constant(1, DType.FLOAT32), o.constant(3, DType.FLOAT32));
        Graph g = new EliminateDeadCode().apply(new FoldConstants().apply(b.build(third)));
        Leaf.Constant c = (Leaf.Constant) g.outputs().getFirst().op();
        assertEquals((double) (1f / 3f), c.value());
    }

    @Test
    void simplificationRulesFireByName() {
        Node y = o.neg(o.neg(o.add(o.mul(x, 1.0), o.zerosLike(x))));
        Node r = o.reshape(o.reshape(y, Shape.of(2, 2)), Shape.of(4, 1));
        Node p = o.permute(o.permute(r, Axes.of(1, 0)), Axes.of(1, 0));
        Simplify simplify = new Simplify(AlgebraicRules.RULES);
        Graph g = new EliminateDeadCode().apply(simplify.apply(b.build(p)));
        assertEquals("""
                %0 = input #0 "x" : f32[4]
                %1 = reshape(%0) [4, 1] : f32[4, 1]
                return %1
                """, g.toString());
        Map<String, Integer> fired = simplify.fired();
        for (String rule : List.of("mul-one", "add-zero", "neg-neg", "reshape-reshape", "permute-permute")) {
            assertTrue(fired.containsKey(rule), rule + " did not fire: " + fired);
        }
    }

    @Test
    void multiplyingByZeroIsNotSimplified() {
        // x * 0 is NaN for x = NaN or inf, so no rule may drop x.
        Node y = o.mul(x, 0.0);
        Graph g = Pipeline.standard(true).run(b.build(y));
        assertTrue(g.toString().contains("mul("), g.toString());
    }

    @Test
    void deadCodeGoesInputsStay() {
        Node unusedInput = b.input("unused", TensorType.of(DType.FLOAT32, 2));
        o.exp(x); // dead
        Node y = o.neg(x);
        Graph g = new EliminateDeadCode().apply(b.build(y));
        assertEquals(3, g.nodes().size());
        assertEquals(2, g.inputs().size());
        assertSame(Leaf.Input.class, g.inputs().get(1).op().getClass());
        assertEquals(unusedInput.type(), g.inputs().get(1).type());
    }

    @Test
    void simplifiedOperandsMergeIntoOneNode() {
        // exp(x * 1) and exp(x) are two nodes until x * 1 becomes x: then they must be one
        GraphBuilder raw = new GraphBuilder();
        Ops o = new Ops(raw);
        Node in = raw.input("x", TensorType.of(DType.FLOAT32, 4));
        Node e1 = raw.add(new dev.kiln.ir.Unary.Exp(), o.mul(in, o.constant(1, DType.FLOAT32)));
        Node e2 = raw.add(new dev.kiln.ir.Unary.Exp(), in);
        Graph g = raw.build(e1, e2);
        assertEquals(2, exps(g));
        Graph merged = Pipeline.standard(true).run(g);
        assertSame(merged.outputs().get(0), merged.outputs().get(1));
        assertEquals(1, exps(merged));
        Verifier.verify(merged, "pipeline");
    }

    private static long exps(Graph g) {
        return g.nodes().stream().filter(n -> n.op() instanceof dev.kiln.ir.Unary.Exp).count();
    }

    @Test
    void pipelineVerifiesAfterEveryPass() {
        Pipeline p = Pipeline.standard(true);
        assertEquals(List.of("inline-calls", "fold-constants", "transpose-products", "simplify", "cse", "dead-code"),
                p.passes().stream().map(Pass::name).toList());
        Graph g = p.run(b.build(o.add(x, o.mul(o.constant(0, DType.FLOAT32), o.constant(5, DType.FLOAT32)))));
        assertEquals("""
                %0 = input #0 "x" : f32[4]
                return %0
                """, g.toString());
    }

    /** A pass that breaks the graph (a second input on slot 0) is named by the verifier, before any later pass runs. */
    @Test
    void pipelineNamesThePassThatBrokeTheGraph() {
        Pass reuseSlot = Pass.of("reuse-slot", g -> {
            GraphBuilder nb = new GraphBuilder(g);
            nb.add(new Leaf.Input(0, "again", x.type()));
            return nb.build(g.outputs());
        });
        List<String> ran = new java.util.ArrayList<>();
        Pass after = Pass.of("after", g -> {
            ran.add("after");
            return g;
        });
        Graph g = b.build(o.exp(x));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Pipeline(List.of(new FoldConstants(), reuseSlot, after), true).run(g));
        assertTrue(e.getMessage().startsWith("after reuse-slot: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("reuses input slot 0"), e.getMessage());
        assertEquals(List.of(), ran, "no pass runs on a broken graph");
        assertEquals(3, new Pipeline(List.of(reuseSlot), false).run(g).nodes().size(), "unverified, the broken graph goes through");
    }

    /** A weight gradient's (xᵀ·dy)ᵀ becomes dyᵀ·x, written in the weight's layout, when the product has no other reader. */
    @Test
    void aLargeTransposedProductIsComputedTransposed() {
        Node in = b.input("in", TensorType.of(DType.FLOAT32, 64, 1024));
        Node dy = b.input("dy", TensorType.of(DType.FLOAT32, 64, 128));
        Node weightGrad = o.transposeLast(o.matmul(o.transposeLast(in), dy));
        Graph g = Pipeline.standard(true).run(b.build(weightGrad));
        Node out = g.outputs().get(0);
        assertTrue(out.op() instanceof dev.kiln.ir.MatMul && out.input(1) == g.nodes().get(1), "dyᵀ · in, in read as it is:\n" + g);
        assertEquals(Shape.of(128, 64), out.input(0).shape(), g.toString());

        // read twice (the product and its transpose both outputs): left as it is, one GEMM
        GraphBuilder b2 = new GraphBuilder();
        Ops o2 = new Ops(b2);
        Node in2 = b2.input("in", TensorType.of(DType.FLOAT32, 64, 1024));
        Node dy2 = b2.input("dy", TensorType.of(DType.FLOAT32, 64, 128));
        Node product = o2.matmul(o2.transposeLast(in2), dy2);
        Graph twice = Pipeline.standard(true).run(b2.build(product, o2.transposeLast(product)));
        assertEquals(1, twice.nodes().stream().filter(n -> n.op() instanceof dev.kiln.ir.MatMul).count(), twice.toString());

        // small products stay: their layout costs nothing, and a seed program's bits stay as they were
        GraphBuilder b3 = new GraphBuilder();
        Ops o3 = new Ops(b3);
        Node x3 = b3.input("x", TensorType.of(DType.FLOAT32, 2000, 3));
        Node d3 = b3.input("d", TensorType.of(DType.FLOAT32, 2000, 1));
        Graph small = Pipeline.standard(true).run(b3.build(o3.transposeLast(o3.matmul(o3.transposeLast(x3), d3))));
        assertTrue(small.toString().contains(": f32[3, 1]"), small.toString());
    }
}
