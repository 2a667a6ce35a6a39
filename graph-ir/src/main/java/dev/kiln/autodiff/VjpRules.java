package dev.kiln.autodiff;

import dev.kiln.DType;
import dev.kiln.internal.Functions;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.ir.Barrier;
import dev.kiln.ir.Call;
import java.util.Map;
import dev.kiln.Shape;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;

/** One vector-Jacobian product per primitive, written in IR ops (so gradients of gradients work). */
final class VjpRules {
    private VjpRules() {
    }

    /**
     * Gradients of node {@code n}'s inputs, given {@code g}, the gradient of {@code n}. Entries
     * whose {@code needed} flag is false may be null.
     */
    static Node[] vjp(Ops o, Node n, Node g, boolean[] needed, Map<Node, Tensor> captured) {
        Node x = n.inputs().isEmpty() ? null : n.input(0);
        Node y = n.inputs().size() > 1 ? n.input(1) : null;
        DType t = n.dtype();
        return switch (n.op()) {
            case Leaf l -> new Node[0];
            case Unary.Neg u -> of(o.neg(g));
            case Unary.Abs u -> of(o.mul(g, sign(o, x)));
            case Unary.Exp u -> of(o.mul(g, n));
            case Unary.Log u -> of(o.div(g, x));
            case Unary.Sin u -> of(o.mul(g, o.unary(new Unary.Cos(), x)));
            case Unary.Cos u -> of(o.neg(o.mul(g, o.unary(new Unary.Sin(), x))));
            case Unary.Sqrt u -> of(o.div(o.mul(g, 0.5), n));
            case Unary.Tanh u -> of(o.mul(g, o.binary(new Binary.Sub(), o.full(1, n.type()), o.mul(n, n))));
            // d erf = 2/√π · exp(−x²)
            case Unary.Erf u -> of(o.mul(g, o.mul(o.exp(o.neg(o.mul(x, x))), 1.1283791670955126)));
            case Unary.Log1p u -> of(o.div(g, o.binary(new Binary.Add(), x, 1.0)));
            case Unary.Expm1 u -> of(o.mul(g, o.binary(new Binary.Add(), n, 1.0)));
            case Binary.Add b -> of(g, g);
            case Binary.Sub b -> of(g, needed[1] ? o.neg(g) : null);
            case Binary.Mul b -> of(needed[0] ? o.mul(g, y) : null, needed[1] ? o.mul(g, x) : null);
            case Binary.Div b -> of(needed[0] ? o.div(g, y) : null, needed[1] ? o.neg(o.mul(g, o.div(n, y))) : null);
            case Binary.Pow b -> powVjp(o, n, g, x, y, needed);
            case Binary.Maximum b -> extremumVjp(o, g, x, y, new Compare.Lt(), needed);
            case Binary.Minimum b -> extremumVjp(o, g, x, y, new Compare.Gt(), needed);
            case Compare c -> new Node[2];
            case Where w -> {
                Node zero = o.zerosLike(g);
                yield new Node[] {null, needed[1] ? o.where(x, g, zero) : null, needed[2] ? o.where(x, zero, g) : null};
            }
            case Cast c -> of(o.cast(g, x.dtype()));
            case Reduce.Sum s -> of(o.expand(keepDims(o, g, x.shape(), s), x.shape()));
            case Reduce.Max m -> {
                // Ties share the gradient equally, as PyTorch's amax.
                Node max = o.expand(keepDims(o, n, x.shape(), m), x.shape());
                Node mask = o.cast(o.compare(new Compare.Eq(), x, max), t);
                Node count = o.expand(o.sum(mask, m.axes(), true), x.shape());
                yield of(o.div(o.mul(o.expand(keepDims(o, g, x.shape(), m), x.shape()), mask), count));
            }
            case Movement.Reshape r -> of(o.reshape(g, x.shape()));
            case Movement.Expand e -> of(o.sumTo(g, x.shape()));
            case Movement.Permute p -> {
                int[] inverse = new int[p.order().size()];
                for (int i = 0; i < inverse.length; i++) {
                    inverse[p.order().get(i)] = i;
                }
                yield of(o.permute(g, Axes.of(inverse)));
            }
            case Movement.Slice s -> of(o.builder().add(
                    new Movement.Unslice(s.axis(), s.start(), s.step(), x.shape().dim(s.axis())), g));
            case Movement.Unslice u -> {
                int count = x.shape().dim(u.axis());
                int stop = count == 0 ? u.start() : u.start() + u.step() * (count - 1) + 1;
                yield of(o.builder().add(new Movement.Slice(u.axis(), u.start(), stop, u.step()), g));
            }
            case MatMul mm -> of(needed[0] ? o.matmul(g, o.transposeLast(y)) : null,
                    needed[1] ? o.matmul(o.transposeLast(x), g) : null);
            case Call c -> {
                Functions.TracedVjp traced = Functions.traceBackward(o, n, g, needed);
                captured.putAll(traced.captured());
                yield traced.grads();
            }
            case Barrier b -> throw new KilnException(b.reason());
            case dev.kiln.ir.Detach d -> new Node[1];
            case dev.kiln.ir.Draw d -> new Node[2];
            case dev.kiln.ir.Index.Gather gather -> {
                // scattered back into the input's size along the axis; zeros where the index was narrower
                Node back = o.builder().add(new dev.kiln.ir.Index.ScatterAdd(gather.axis(), x.shape().dim(gather.axis())), y, g);
                for (int d = 0; d < x.shape().rank(); d++) {
                    if (d != gather.axis() && y.shape().dim(d) < x.shape().dim(d)) {
                        back = o.builder().add(new Movement.Unslice(d, 0, 1, x.shape().dim(d)), back);
                    }
                }
                yield new Node[] {needed[0] ? back : null, null};
            }
            case dev.kiln.ir.Index.WindowArgmax w -> new Node[1]; // integer positions carry no gradient
            case dev.kiln.ir.Index.ScatterAdd scatter -> new Node[] {null,
                    needed[1] ? o.builder().add(new dev.kiln.ir.Index.Gather(scatter.axis()), g, x) : null};
            // the gradient of a sum (mean) over processes is the sum (mean) of the processes' gradients
            case dev.kiln.ir.Collective.AllReduce a when a.kind() != dev.kiln.ir.Collective.Kind.MAX ->
                    of(o.builder().add(new dev.kiln.ir.Collective.AllReduce(a.group(), a.kind()), g));
            case dev.kiln.ir.Collective.AllReduce a -> throw new KilnException("allReduce(MAX) is not differentiable");
            case dev.kiln.ir.Attend.Forward f -> attendVjp(o, n, g, f);
            case dev.kiln.ir.Attend.Backward b -> throw new KilnException("the fused scaledDotProductAttention is differentiable once: "
                    + "for second derivatives pass an explicit attn_mask, which takes the masked-softmax composite");
        };
    }

    /** One fused backward recomputes the probabilities from the saved logsumexp; dq, dk and dv are cut from its flat result. */
    private static Node[] attendVjp(Ops o, Node n, Node g, dev.kiln.ir.Attend.Forward f) {
        Node q = n.input(0);
        Node k = n.input(1);
        Node v = n.input(2);
        Node back = o.builder().add(new dev.kiln.ir.Attend.Backward(f.causal(), f.scale()), q, k, v, n, g);
        int last = back.shape().rank() - 1;
        long start = 0;
        Node[] grads = new Node[3];
        for (int i = 0; i < 3; i++) {
            Node input = n.input(i);
            int size = input.shape().dim(last) * input.shape().dim(last + 1);
            Node part = o.builder().add(new Movement.Slice(last, (int) start, (int) start + size, 1), back);
            grads[i] = o.reshape(part, input.shape());
            start += size;
        }
        return grads;
    }

    private static Node[] of(Node... grads) {
        return grads;
    }

    /** -1, 0 or 1 in x's dtype; abs'(0) = 0 as in PyTorch. */
    private static Node sign(Ops o, Node x) {
        Node zero = o.zerosLike(x);
        return o.sub(o.cast(o.compare(new Compare.Gt(), x, zero), x.dtype()),
                o.cast(o.compare(new Compare.Lt(), x, zero), x.dtype()));
    }

    /** d(x^p): p·x^(p-1) (0 where p = 0, so x = 0 gives no NaN); d/dp: x^p·log(x) (0 where x = 0 and p >= 0). */
    private static Node[] powVjp(Ops o, Node n, Node g, Node x, Node p, boolean[] needed) {
        Node zero = o.zerosLike(g);
        Node dx = null;
        Node dp = null;
        if (needed[0]) {
            Node pm1 = o.sub(p, o.full(1, p.type()));
            Node d = o.mul(p, o.pow(x, pm1));
            dx = o.mul(g, o.where(o.compare(new Compare.Eq(), p, zero), zero, d));
        }
        if (needed[1]) {
            Node d = o.mul(n, o.log(x));
            Node safe = o.where(o.compare(new Compare.Eq(), x, zero), zero, d);
            dp = o.mul(g, safe);
        }
        return of(dx, dp);
    }

    /**
     * Maximum/minimum, as PyTorch: an input that {@code loses} gets no gradient, ties split it in half,
     * and otherwise it gets all of it, so where either side is NaN (no comparison holds) both do.
     */
    private static Node[] extremumVjp(Ops o, Node g, Node x, Node y, Compare loses, boolean[] needed) {
        Node zero = o.zerosLike(g);
        Node shared = o.where(o.compare(new Compare.Eq(), x, y), o.mul(g, 0.5), g);
        return of(needed[0] ? o.where(o.compare(loses, x, y), zero, shared) : null,
                needed[1] ? o.where(o.compare(loses, y, x), zero, shared) : null);
    }

    /** A reduced value reshaped so the reduced axes are size 1 again. */
    private static Node keepDims(Ops o, Node reduced, Shape input, Reduce r) {
        if (r.keepDim()) {
            return reduced;
        }
        int[] d = input.toArray();
        for (int i = 0; i < r.axes().size(); i++) {
            d[r.axes().get(i)] = 1;
        }
        return o.reshape(reduced, Shape.of(d));
    }
}
