package dev.kiln.codegen.kernel;

import dev.kiln.Shape;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.spi.Layout;

/** The fusion planner's questions about shapes and views: loop domains, strides over them, chains of views. */
final class Views {
    private Views() {
    }

    /**
     * A loop's domain without its size-1 dimensions: [2000, 1] and [2000] are iterated in the same
     * row-major order, so values of both shapes share one loop (reshapes between them are free).
     */
    static Shape canonical(Shape s) {
        int[] d = java.util.Arrays.stream(s.toArray()).filter(x -> x != 1).toArray();
        return d.length == 0 ? Shape.of(1) : Shape.of(d);
    }

    /** A layout over {@code shape} re-expressed over {@code canonical(shape)}. */
    static Layout onDomain(Layout l) {
        Shape c = canonical(l.shape());
        return c.equals(l.shape()) ? l : l.view(new Movement.Reshape(c), c);
    }

    /** Strides over {@code shape} without the entries of its size-1 dimensions (the canonical domain's strides). */
    static int[] dropUnit(Shape shape, int[] strides) {
        int[] out = new int[canonical(shape).rank()];
        int j = 0;
        for (int d = 0; d < shape.rank(); d++) {
            if (shape.dim(d) != 1) {
                out[j++] = strides[d];
            }
        }
        return j == out.length ? out : new int[] {0}; // all dims 1: a one-element domain
    }

    /** The value of a constant, or of a view of one; null otherwise. */
    static Double constant(Node n) {
        return viewBase(n).op() instanceof Leaf.Constant c ? c.value() : null;
    }

    /** The node a chain of views reads from ({@code n} itself when it is no view). */
    static Node viewBase(Node n) {
        while (isView(n)) {
            n = n.input(0);
        }
        return n;
    }

    /** The node one step up the view chain from {@code from} towards {@code top}. */
    static Node nextTowards(Node top, Node from) {
        Node n = top;
        while (n.input(0) != from) {
            n = n.input(0);
        }
        return n;
    }

    static boolean isView(Node n) {
        return n.op() instanceof Movement && !(n.op() instanceof Movement.Unslice);
    }

    static boolean isOne(Node n) {
        return n.shape().numelLong() == 1;
    }
}
