package dev.kiln.ir;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;

/**
 * Builds IR with the front end's conveniences: broadcasting, type promotion, weak Java scalars,
 * and composites (mean, sumTo, transpose) made of primitives. VJP rules and passes use it.
 */
public final class Ops {
    private final GraphBuilder b;

    public Ops(GraphBuilder b) {
        this.b = b;
    }

    public GraphBuilder builder() {
        return b;
    }

    // ---- errors shared by the ops' type rules ----

    /** An error naming the op; the message ends with the user's source line. */
    public static KilnException error(Op op, String message) {
        return new KilnException(op.name() + ": " + message);
    }

    static void requireSameType(Op op, TensorType a, TensorType b) {
        requireSameDtype(op, a, b);
        if (!a.shape().equals(b.shape())) {
            throw error(op, "shapes " + a.shape() + " and " + b.shape() + " differ (broadcast them with expand first)");
        }
    }

    static void requireSameDtype(Op op, TensorType a, TensorType b) {
        if (a.dtype() != b.dtype()) {
            throw error(op, "dtypes " + a.dtype() + " and " + b.dtype() + " differ (cast one first)");
        }
    }

    /** f32, f64, i64, i32, b8: the short names in the text form. */
    public static String shortName(DType t) {
        return switch (t) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case INT64 -> "i64";
            case INT32 -> "i32";
            case BOOL -> "b8";
        };
    }

    /** PyTorch's name of a scalar type in its messages ("expected scalar type Long but found Int"). */
    public static String torchName(DType t) {
        return switch (t) {
            case BOOL -> "Bool";
            case INT32 -> "Int";
            case INT64 -> "Long";
            case FLOAT32 -> "Float";
            case FLOAT64 -> "Double";
        };
    }

    // ---- leaves ----

    public Node constant(double value, DType dtype) {
        return b.add(new Leaf.Constant(value, dtype));
    }

    /** {@code value} broadcast to the shape and dtype of {@code like}. */
    public Node full(double value, TensorType type) {
        return expand(constant(value, type.dtype()), type.shape());
    }

    public Node zerosLike(Node like) {
        return full(0, like.type());
    }

    // ---- elementwise, with broadcasting and promotion ----

    public Node unary(Unary op, Node x) {
        if (op.floatingOnly() && !x.dtype().isFloating()) {
            x = cast(x, DType.DEFAULT_FLOAT);
        }
        return b.add(op, x);
    }

    public Node neg(Node x) {
        return unary(new Unary.Neg(), x);
    }

    public Node exp(Node x) {
        return unary(new Unary.Exp(), x);
    }

    public Node log(Node x) {
        return unary(new Unary.Log(), x);
    }

    public Node sqrt(Node x) {
        return unary(new Unary.Sqrt(), x);
    }

    public Node binary(Op op, Node x, Node y) {
        DType t = Promotion.of(x.dtype(), x.shape().rank() == 0, y.dtype(), y.shape().rank() == 0);
        if (op instanceof Binary.Div && !t.isFloating()) {
            t = DType.DEFAULT_FLOAT;
        }
        Shape s = Shape.broadcast(x.shape(), y.shape());
        if (s == null) {
            throw error(op, "shapes " + x.shape() + " and " + y.shape() + " cannot be broadcast together");
        }
        return b.add(op, expand(cast(x, t), s), expand(cast(y, t), s));
    }

    /** {@code x op s} with a weak Java scalar {@code s}. */
    public Node binary(Op op, Node x, double s) {
        DType t = Promotion.withScalar(x.dtype(), true);
        return binary(op, cast(x, t), constant(s, t));
    }

    public Node add(Node x, Node y) {
        return binary(new Binary.Add(), x, y);
    }

    public Node sub(Node x, Node y) {
        return binary(new Binary.Sub(), x, y);
    }

    public Node mul(Node x, Node y) {
        return binary(new Binary.Mul(), x, y);
    }

    public Node mul(Node x, double s) {
        return binary(new Binary.Mul(), x, s);
    }

    public Node div(Node x, Node y) {
        return binary(new Binary.Div(), x, y);
    }

    public Node pow(Node x, Node y) {
        return binary(new Binary.Pow(), x, y);
    }

    public Node pow(Node x, double s) {
        return binary(new Binary.Pow(), x, s);
    }

    public Node compare(Compare op, Node x, Node y) {
        return binary(op, x, y);
    }

    public Node where(Node cond, Node x, Node y) {
        Shape s = Shape.broadcast(x.shape(), y.shape());
        Shape all = s == null ? null : Shape.broadcast(cond.shape(), s);
        if (all == null) {
            throw error(new Where(), "shapes " + cond.shape() + ", " + x.shape() + " and " + y.shape()
                    + " cannot be broadcast together");
        }
        DType t = Promotion.of(x.dtype(), x.shape().rank() == 0, y.dtype(), y.shape().rank() == 0);
        return b.add(new Where(), expand(cast(cond, DType.BOOL), all), expand(cast(x, t), all), expand(cast(y, t), all));
    }

    public Node cast(Node x, DType to) {
        return x.dtype() == to ? x : b.add(new Cast(to), x);
    }

    // ---- reductions ----

    public Node sum(Node x, Axes axes, boolean keepDim) {
        return axes.size() == 0 && !keepDim && x.dtype().isFloating() ? x : b.add(new Reduce.Sum(axes, keepDim), x);
    }

    public Node sumAll(Node x) {
        return sum(x, Axes.all(x.shape().rank()), false);
    }

    public Node max(Node x, Axes axes, boolean keepDim) {
        return b.add(new Reduce.Max(axes, keepDim), x);
    }

    /** Sums {@code x} down to {@code shape}: the inverse of broadcasting {@code shape} to {@code x}'s shape. */
    public Node sumTo(Node x, Shape shape) {
        Shape from = x.shape();
        if (from.equals(shape)) {
            return x;
        }
        int lead = from.rank() - shape.rank();
        int count = 0;
        int[] axes = new int[from.rank()];
        for (int i = 0; i < from.rank(); i++) {
            if (i < lead || (shape.dim(i - lead) == 1 && from.dim(i) != 1)) {
                axes[count++] = i;
            }
        }
        Node summed = b.add(new Reduce.Sum(Axes.of(java.util.Arrays.copyOf(axes, count)), true), x);
        return reshape(summed, shape);
    }

    // ---- movement ----

    public Node reshape(Node x, Shape to) {
        return x.shape().equals(to) ? x : b.add(new Movement.Reshape(to), x);
    }

    public Node expand(Node x, Shape to) {
        return x.shape().equals(to) ? x : b.add(new Movement.Expand(to), x);
    }

    public Node permute(Node x, Axes order) {
        return order.equals(Axes.all(order.size())) ? x : b.add(new Movement.Permute(order), x);
    }

    /** Swaps the last two dimensions. */
    public Node transposeLast(Node x) {
        int r = x.shape().rank();
        int[] order = Axes.all(r).toArray();
        order[r - 2] = r - 1;
        order[r - 1] = r - 2;
        return permute(x, Axes.of(order));
    }

    public Node matmul(Node x, Node y) {
        return b.add(new MatMul(), x, y);
    }
}
