package dev.kiln.onnx;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The operators that fold to constants when all their inputs are known while the graph is built. */
final class Folding {
    private Folding() {}

    static final Set<String> FOLDABLE = Set.of("Identity", "Constant", "ConstantOfShape", "Gather", "Unsqueeze", "Squeeze",
            "Concat", "Slice", "Cast", "Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater", "Where", "Not", "And", "Or",
            "Expand", "Range", "Reshape", "Neg", "Flatten");

    /** The Constant node's value. */
    static Folded constant(Attrs a) {
        if (a.has("value")) {
            return Protos.read(a.t("value"), a.where() + " value");
        }
        if (a.has("value_float")) {
            return Folded.scalar(a.f("value_float", 0), DType.FLOAT32);
        }
        if (a.has("value_int")) {
            return Folded.scalar(a.i("value_int", 0), DType.INT64);
        }
        if (a.has("value_floats")) {
            float[] f = a.floats("value_floats");
            double[] v = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                v[i] = f[i];
            }
            return Folded.vector(DType.FLOAT32, v);
        }
        int[] ints = a.ints("value_ints", new int[0]);
        return Folded.vector(DType.INT64, java.util.Arrays.stream(ints).asDoubleStream().toArray());
    }

    static Folded fold(Attrs a, List<Value> in) {
        return switch (a.node().getOpType()) {
            case "Identity" -> f(in, 0);
            case "Constant" -> constant(a);
            case "ConstantOfShape" -> {
                Folded fill = a.has("value") ? Protos.read(a.t("value"), a.where() + " value") : Folded.scalar(0, DType.FLOAT32);
                if (fill.values().length != 1) {
                    throw a.error("attribute value must hold one element, got " + fill.shape());
                }
                Shape s = Folded.checkedShape(f(in, 0).longs(), a.where());
                double[] v = new double[s.numel()];
                java.util.Arrays.fill(v, fill.values()[0]);
                yield new Folded(fill.dtype(), s, v);
            }
            case "Gather" -> {
                Folded data = f(in, 0);
                yield data.gather(a.axis("axis", 0, data.shape().rank()), f(in, 1));
            }
            case "Unsqueeze" -> f(in, 0).reshape(Shapes.unsqueezed(a, f(in, 0).shape(), f(in, 1).ints("Unsqueeze axes")));
            case "Squeeze" -> f(in, 0).reshape(Shapes.squeezed(a, f(in, 0).shape(), in.size() > 1 && in.get(1) != null
                    ? f(in, 1).ints("Squeeze axes") : null));
            case "Flatten" -> f(in, 0).reshape(Shapes.flattened(a, f(in, 0).shape()));
            case "Reshape" -> f(in, 0).reshape(Shapes.reshaped(a, f(in, 0).shape(), f(in, 1).longs()));
            case "Concat" -> {
                List<Folded> parts = new ArrayList<>();
                for (int k = 0; k < in.size(); k++) {
                    parts.add(f(in, k));
                }
                if (parts.isEmpty()) {
                    throw a.error("Concat needs at least one input");
                }
                yield Folded.concat(parts, a.axis("axis", Long.MIN_VALUE, parts.getFirst().shape().rank()));
            }
            case "Slice" -> {
                Folded x = f(in, 0);
                for (Shapes.Range r : Shapes.slices(a, x.shape(), in)) {
                    x = x.slice(r.axis(), r.start(), r.end(), r.step());
                }
                yield x;
            }
            case "Cast" -> f(in, 0).cast(Protos.dtype((int) a.i("to", 0), a.where() + " attribute to"));
            case "Add" -> Folded.broadcast(f(in, 0), f(in, 1), f(in, 0).dtype(), Double::sum);
            case "Sub" -> Folded.broadcast(f(in, 0), f(in, 1), f(in, 0).dtype(), (x, y) -> x - y);
            case "Mul" -> Folded.broadcast(f(in, 0), f(in, 1), f(in, 0).dtype(), (x, y) -> x * y);
            case "Div" -> {
                boolean integral = !f(in, 0).dtype().isFloating();
                yield Folded.broadcast(f(in, 0), f(in, 1), f(in, 0).dtype(), (x, y) -> {
                    if (integral && y == 0) {
                        throw a.error("integer division by zero");
                    }
                    return integral ? (double) ((long) x / (long) y) : x / y;
                });
            }
            case "Neg" -> Folded.broadcast(f(in, 0), Folded.scalar(-1, f(in, 0).dtype()), f(in, 0).dtype(), (x, y) -> x * y);
            case "Equal" -> Folded.broadcast(f(in, 0), f(in, 1), DType.BOOL, (x, y) -> x == y ? 1 : 0);
            case "Less" -> Folded.broadcast(f(in, 0), f(in, 1), DType.BOOL, (x, y) -> x < y ? 1 : 0);
            case "Greater" -> Folded.broadcast(f(in, 0), f(in, 1), DType.BOOL, (x, y) -> x > y ? 1 : 0);
            case "And" -> Folded.broadcast(f(in, 0), f(in, 1), DType.BOOL, (x, y) -> x != 0 && y != 0 ? 1 : 0);
            case "Or" -> Folded.broadcast(f(in, 0), f(in, 1), DType.BOOL, (x, y) -> x != 0 || y != 0 ? 1 : 0);
            case "Not" -> Folded.broadcast(f(in, 0), Folded.scalar(0, DType.BOOL), DType.BOOL, (x, y) -> x == 0 ? 1 : 0);
            case "Where" -> Folded.where(f(in, 0), f(in, 1), f(in, 2));
            case "Expand" -> f(in, 0).expand(f(in, 1).longs());
            case "Range" -> {
                double start = f(in, 0).values()[0];
                double limit = f(in, 1).values()[0];
                double delta = f(in, 2).values()[0];
                if (delta == 0 || f(in, 0).values().length != 1) {
                    throw a.error("Range takes scalar start, limit and a non-zero delta");
                }
                long n = Math.max(0, (long) Math.ceil((limit - start) / delta));
                Shape s = Folded.checkedShape(new long[] {n}, a.where());
                double[] v = new double[s.numel()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = start + i * delta;
                }
                yield new Folded(f(in, 0).dtype(), s, v);
            }
            default -> throw new KilnException(a.where() + ": does not fold");
        };
    }

    private static Folded f(List<Value> in, int k) {
        if (k >= in.size() || in.get(k) == null) {
            throw new KilnException("input " + k + " is missing");
        }
        return in.get(k).folded("input " + k);
    }
}
