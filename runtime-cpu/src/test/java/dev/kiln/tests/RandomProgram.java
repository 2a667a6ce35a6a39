package dev.kiln.tests;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.ir.Axes;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.Unary;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A random straight-line program over two inputs of broadcast-compatible shapes, several ops
 * deep, reusing earlier values; it can be run on eager tensors or built as IR, so the same
 * program checks gradients (eager) and passes (IR). Its ops are smooth away from measure-zero
 * kinks, so finite differences apply.
 */
public record RandomProgram(long seed, int steps, boolean withKinks) {
    /** The operations a program uses, over tensors or over IR nodes. */
    interface Algebra<T> {
        T add(T a, T b);
        T sub(T a, T b);
        T mul(T a, T b);
        T scale(T a, double s);
        T offset(T a, double s);
        T div(T a, T b);
        T tanh(T a);
        T sin(T a);
        T exp(T a);
        T powInt(T a, int p);
        T sumLastKeep(T a);
        T mean(T a);
        T transposeRoundTrip(T a);
        T reshapeRoundTrip(T a);
        T maximum(T a, T b);
        T whereGreater(T a, T b);
        T sum(T a);
        Shape shape(T a);
    }

    /** Runs the program; the result is a 0-d sum. */
    public <T> T apply(Algebra<T> alg, T x, T y) {
        SplittableRandom r = new SplittableRandom(seed);
        List<T> pool = new ArrayList<>(List.of(x, y));
        int kinds = withKinks ? 16 : 14;
        for (int s = 0; s < steps; s++) {
            T a = pool.get(r.nextInt(pool.size()));
            T b = pool.get(r.nextInt(pool.size()));
            T v = switch (r.nextInt(kinds)) {
                case 0 -> alg.add(a, b);
                case 1 -> alg.sub(a, b);
                case 2 -> alg.mul(a, b);
                case 3 -> alg.div(a, alg.offset(alg.mul(b, b), 1.0));
                case 4 -> alg.tanh(a);
                case 5 -> alg.sin(a);
                case 6 -> alg.exp(alg.tanh(a));
                case 7 -> alg.powInt(alg.tanh(a), 2 + r.nextInt(2));
                case 8 -> alg.shape(a).rank() > 0 ? alg.sumLastKeep(a) : alg.scale(a, 0.5);
                case 9 -> alg.mean(a);
                case 10 -> alg.shape(a).rank() >= 2 ? alg.transposeRoundTrip(a) : alg.scale(a, -1.5);
                case 11 -> alg.reshapeRoundTrip(a);
                case 12 -> alg.offset(alg.scale(a, 0.25), 0.5);
                case 13 -> alg.mul(alg.scale(a, 1.0), alg.offset(b, 0.0));
                case 14 -> alg.maximum(a, b);
                default -> alg.whereGreater(a, b);
            };
            pool.add(v);
        }
        T out = pool.getLast();
        return alg.sum(alg.add(out, alg.scale(pool.get(pool.size() / 2), 0.5)));
    }

    /** The algebra of eager tensors. */
    static final Algebra<Tensor> TENSORS = new Algebra<>() {
        public Tensor add(Tensor a, Tensor b) { return a.add(b); }
        public Tensor sub(Tensor a, Tensor b) { return a.sub(b); }
        public Tensor mul(Tensor a, Tensor b) { return a.mul(b); }
        public Tensor scale(Tensor a, double s) { return a.mul(s); }
        public Tensor offset(Tensor a, double s) { return a.add(s); }
        public Tensor div(Tensor a, Tensor b) { return a.div(b); }
        public Tensor tanh(Tensor a) { return a.tanh(); }
        public Tensor sin(Tensor a) { return a.sin(); }
        public Tensor exp(Tensor a) { return a.exp(); }
        public Tensor powInt(Tensor a, int p) { return a.pow((long) p); }
        public Tensor sumLastKeep(Tensor a) { return a.sum(new int[] {-1}, true); }
        public Tensor mean(Tensor a) { return a.mean(); }
        public Tensor transposeRoundTrip(Tensor a) { return a.transpose(0, -1).mul(2.0).transpose(0, -1); }
        public Tensor reshapeRoundTrip(Tensor a) { return a.reshape(-1).mul(0.5).reshape(a.shape().toArray()); }
        public Tensor maximum(Tensor a, Tensor b) { return a.maximum(b); }
        public Tensor whereGreater(Tensor a, Tensor b) { return Tensor.where(a.gt(b), a, b.mul(0.5)); }
        public Tensor sum(Tensor a) { return a.sum(); }
        public Shape shape(Tensor a) { return a.shape(); }
    };

    /** The algebra of IR nodes, sprinkled with identities and constant arithmetic for the passes to find. */
    public static Algebra<Node> nodes(Ops o) {
        return new Algebra<>() {
            public Node add(Node a, Node b) { return o.add(a, b); }
            public Node sub(Node a, Node b) { return o.sub(o.add(a, o.constant(0, a.dtype())), b); }
            public Node mul(Node a, Node b) { return o.mul(o.mul(a, o.constant(1, a.dtype())), b); }
            public Node scale(Node a, double s) {
                return o.mul(a, o.mul(o.constant(s, a.dtype()), o.constant(1, a.dtype())));
            }
            public Node offset(Node a, double s) { return o.add(a, o.constant(s, a.dtype())); }
            public Node div(Node a, Node b) { return o.div(a, b); }
            public Node tanh(Node a) { return o.unary(new Unary.Tanh(), o.neg(o.neg(a))); }
            public Node sin(Node a) { return o.unary(new Unary.Sin(), a); }
            public Node exp(Node a) { return o.exp(a); }
            public Node powInt(Node a, int p) { return o.pow(a, o.constant(p, DType.INT64)); }
            public Node sumLastKeep(Node a) { return o.sum(a, Axes.of(a.shape().rank() - 1), true); }
            public Node mean(Node a) {
                return o.div(o.sumAll(a), o.constant(Math.max(1, a.shape().numel()), a.dtype()));
            }
            public Node transposeRoundTrip(Node a) {
                int r = a.shape().rank();
                int[] order = Axes.all(r).toArray();
                order[0] = r - 1;
                order[r - 1] = 0;
                Node t = o.permute(a, Axes.of(order));
                return o.permute(o.permute(o.permute(o.mul(t, 2.0), Axes.of(order)), Axes.of(order)), Axes.of(order));
            }
            public Node reshapeRoundTrip(Node a) {
                return o.reshape(o.reshape(o.mul(o.reshape(a, Shape.of(a.shape().numel())), 0.5),
                        Shape.of(a.shape().numel(), 1)), a.shape());
            }
            public Node maximum(Node a, Node b) { return o.binary(new dev.kiln.ir.Binary.Maximum(), a, b); }
            public Node whereGreater(Node a, Node b) {
                return o.where(o.compare(new Compare.Gt(), a, b), a, o.mul(b, 0.5));
            }
            public Node sum(Node a) { return o.sumAll(a); }
            public Shape shape(Node a) { return a.shape(); }
        };
    }

    @Override
    public String toString() {
        return "program(seed=" + seed + ", steps=" + steps + ")";
    }
}
