package dev.kiln.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.autodiff.Autodiff;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphTest {
    private static final TensorType F32_2000 = TensorType.of(DType.FLOAT32, 2000);

    @Test
    void equalNodesAreInternedButLeavesKeepTheirIdentity() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", F32_2000);
        Node w1 = b.input("w", TensorType.of(DType.FLOAT32));
        Node w2 = b.input("w", TensorType.of(DType.FLOAT32));
        assertNotSame(w1, w2); // two parameters of one shape never merge
        assertSame(o.mul(x, o.expand(w1, x.shape())), o.mul(x, o.expand(w1, x.shape())));
        assertNotSame(o.mul(x, o.expand(w1, x.shape())), o.mul(x, o.expand(w2, x.shape())));
        Node r1 = b.add(new Leaf.Random(Leaf.Distribution.NORMAL, 1, 0, F32_2000));
        Node r2 = b.add(new Leaf.Random(Leaf.Distribution.NORMAL, 1, 4000, F32_2000));
        assertNotSame(r1, r2); // two randn draws never merge
        assertSame(o.constant(2, DType.FLOAT32), o.constant(2, DType.FLOAT32));
    }

    @Test
    void textFormIsStableAndOneLinePerNode() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", F32_2000);
        Node p = b.input("p", TensorType.of(DType.INT64, 3));
        Node xx = o.pow(o.reshape(x, Shape.of(2000, 1)), p);
        Node loss = o.sumAll(o.mul(xx, 2.0));
        assertEquals("""
                %0 = input #0 "x" : f32[2000]
                %1 = input #1 "p" : i64[3]
                %2 = reshape(%0) [2000, 1] : f32[2000, 1]
                %3 = expand(%2) [2000, 3] : f32[2000, 3]
                %4 = cast(%1) float32 : f32[3]
                %5 = expand(%4) [2000, 3] : f32[2000, 3]
                %6 = pow(%3, %5) : f32[2000, 3]
                %7 = const 2.0 : f32[]
                %8 = expand(%7) [2000, 3] : f32[2000, 3]
                %9 = mul(%6, %8) : f32[2000, 3]
                %10 = sum(%9) axes=[0, 1] : f32[]
                return %10
                """, b.build(loss).toString());
    }

    @Test
    void typeErrorsNameTheOpAndTheShapes() {
        GraphBuilder b = new GraphBuilder();
        Node x = b.input("x", TensorType.of(DType.FLOAT32, 2000, 1));
        Node y = b.input("y", TensorType.of(DType.FLOAT32, 3, 2));
        KilnException e = assertThrows(KilnException.class, () -> new Ops(b).mul(x, y));
        assertTrue(e.getMessage().startsWith("mul: shapes [2000, 1] and [3, 2] cannot be broadcast together"),
                e.getMessage());
        KilnException strict = assertThrows(KilnException.class, () -> b.add(new Binary.Add(), x, y));
        assertTrue(strict.getMessage().contains("differ"), strict.getMessage());
        Node i = b.input("i", TensorType.of(DType.INT64, 3, 2));
        assertThrows(KilnException.class, () -> b.add(new Binary.Add(), y, i));
        assertThrows(KilnException.class, () -> b.add(new Unary.Exp(), i));
        assertThrows(KilnException.class, () -> b.add(new Movement.Reshape(Shape.of(7)), y));
        assertThrows(KilnException.class, () -> b.add(new Movement.Permute(Axes.of(0, 0)), y));
        assertThrows(KilnException.class, () -> b.add(new MatMul(), y, y));
    }

    @Test
    void structuresSeparateOpsAndMatchEqualGraphs() {
        java.util.function.Function<Op, Graph.Structure> of = op -> {
            GraphBuilder b = new GraphBuilder();
            Node x = b.input("x", F32_2000);
            Node y = b.input("y", F32_2000);
            return b.build(b.add(op, x, y)).structure();
        };
        // ops without attributes are records whose hashCode is 0: the class must count
        java.util.Set<Graph.Structure> keys = new java.util.HashSet<>();
        java.util.Set<Integer> hashes = new java.util.HashSet<>();
        for (Op op : List.of(new Binary.Add(), new Binary.Sub(), new Binary.Mul(), new Binary.Div(), new Binary.Pow(),
                new Binary.Maximum(), new Binary.Minimum())) {
            keys.add(of.apply(op));
            hashes.add(of.apply(op).hashCode());
        }
        assertEquals(7, keys.size());
        if (!dev.kiln.cache.KeyHash.colliding()) {
            assertEquals(7, hashes.size());
        }
        assertEquals(of.apply(new Binary.Add()), of.apply(new Binary.Add()));
    }

    @Test
    void structuresOfShapesWithEqualArrayHashesDiffer() {
        // [3,3], [2,34] and [1,65] have the same Arrays.hashCode (1057): the key must still tell them apart
        List<Graph.Structure> keys = new java.util.ArrayList<>();
        for (int[] dims : List.of(new int[] {3, 3}, new int[] {2, 34}, new int[] {1, 65})) {
            GraphBuilder b = new GraphBuilder();
            Node x = b.input("x", TensorType.of(DType.FLOAT32, dims));
            keys.add(b.build(new Ops(b).exp(x)).structure());
        }
        assertEquals(java.util.Arrays.hashCode(new int[] {3, 3}), java.util.Arrays.hashCode(new int[] {2, 34}));
        for (int i = 0; i < keys.size(); i++) {
            for (int j = 0; j < keys.size(); j++) {
                assertEquals(i == j, keys.get(i).equals(keys.get(j)), i + " vs " + j);
            }
        }
    }

    @Test
    void verifierCatchesBrokenGraphs() {
        GraphBuilder b = new GraphBuilder();
        Node x = b.input("x", F32_2000);
        Node y = new Ops(b).exp(x);
        Graph good = b.build(y);
        assertSame(good, Verifier.verify(good, "test"));
        GraphBuilder other = new GraphBuilder();
        Node z = other.input("z", F32_2000);
        // Outputs from another graph, or nodes out of order, are caught.
        Graph swapped = new Graph(List.of(y, x), List.of(y));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Verifier.verify(swapped, "reorder"));
        assertTrue(e.getMessage().startsWith("after reorder:"), e.getMessage());
        Graph foreign = new Graph(List.of(x, y), List.of(z));
        assertThrows(IllegalStateException.class, () -> Verifier.verify(foreign, "outputs"));
        Graph dupSlots = new Graph(List.of(x, other.nodes().getFirst()), List.of(x));
        assertThrows(IllegalStateException.class, () -> Verifier.verify(dupSlots, "slots"));
    }

    @Test
    void gradientGraphOfTheSeedsLoss() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", F32_2000);
        Node y = b.input("y", F32_2000);
        Node a = b.input("a", TensorType.of(DType.FLOAT32));
        Node bb = b.input("b", TensorType.of(DType.FLOAT32));
        Node pred = o.add(a, o.mul(bb, x));
        Node loss = o.sumAll(o.pow(o.sub(pred, y), 2));
        Graph g = Autodiff.gradientGraph(b.build(loss), loss, List.of(a, bb, x));
        Verifier.verify(g, "autodiff");
        assertEquals(3, g.outputs().size());
        assertEquals(TensorType.of(DType.FLOAT32), g.outputs().get(0).type());
        assertEquals(TensorType.of(DType.FLOAT32), g.outputs().get(1).type());
        assertEquals(F32_2000, g.outputs().get(2).type());
        // Broadcasting a to [2000] is undone by a sum over axis 0.
        assertTrue(g.toString().contains("sum("), g.toString());
    }
}
