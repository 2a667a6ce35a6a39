package dev.kiln.onnx;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Functional;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs one ONNX node on Kiln values: folded when its inputs are all known, Kiln ops otherwise. */
final class Evaluator {
    private final Device device;

    Evaluator(Device device) {
        this.device = device;
    }

    /** The node's outputs, in order; {@code in} holds null for absent optional inputs. */
    List<Value> run(Attrs a, List<Value> in) {
        String op = a.node().getOpType();
        if (op.equals("Shape")) {
            return List.of(shapeOf(a, in.getFirst()));
        }
        if (Folding.FOLDABLE.contains(op) && in.stream().allMatch(v -> v == null || v instanceof Folded)) {
            return List.of(Folding.fold(a, in));
        }
        return switch (op) {
            case "Split" -> split(a, in);
            case "MaxPool" -> Convolutions.maxPool(a, t(in, 0)).stream().map(Value::of).toList();
            case "LSTM" -> Recurrences.lstm(a, t(in, 0), t(in, 1), t(in, 2), opt(in, 3), opt(in, 5), opt(in, 6)).stream().map(Value::of).toList();
            case "GRU" -> Recurrences.gru(a, t(in, 0), t(in, 1), t(in, 2), opt(in, 3), opt(in, 5)).stream().map(Value::of).toList();
            default -> List.of(Value.of(live(a, in)));
        };
    }

    /** ONNX Mod on integers: the remainder with the divisor's sign (fmod=0), or the dividend's (fmod=1), as C's %. */
    private static Tensor mod(Attrs a, Tensor x, Tensor y) {
        if (!x.dtype().isIntegral() || !y.dtype().isIntegral()) {
            throw a.error("Mod on " + x.dtype() + " and " + y.dtype() + " is not supported (Kiln imports Mod on integers)");
        }
        Tensor q = x.to(DType.FLOAT64).div(y.to(DType.FLOAT64)).to(DType.INT64); // truncated toward zero, exact below 2^53
        Tensor r = x.sub(q.mul(y));
        if (a.i("fmod", 0) != 0) {
            return r;
        }
        Tensor zero = Tensor.scalar(0, r.dtype());
        Tensor otherSign = Tensor.where(r.ne(zero), r.lt(zero).ne(y.lt(zero)), Tensor.scalar(0, DType.BOOL));
        return Tensor.where(otherSign, r.add(y), r);
    }

    private static Folded shapeOf(Attrs a, Value x) {
        int[] dims = x.shape().toArray();
        int rank = dims.length;
        long start = a.i("start", 0);
        long end = a.i("end", rank);
        int s = (int) Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
        int e = (int) Math.max(s, Math.min(rank, end < 0 ? end + rank : end));
        return Folded.vector(DType.INT64, Arrays.stream(Arrays.copyOfRange(dims, s, e)).asDoubleStream().toArray());
    }

    private Tensor live(Attrs a, List<Value> in) {
        String op = a.node().getOpType();
        return switch (op) {
            case "Identity" -> t(in, 0);
            case "Add" -> t(in, 0).add(t(in, 1));
            case "Sub" -> t(in, 0).sub(t(in, 1));
            case "Mul" -> t(in, 0).mul(t(in, 1));
            case "Div" -> t(in, 0).div(t(in, 1));
            case "Pow" -> in.get(1) instanceof Folded f && f.values().length == 1 ? t(in, 0).pow(f.values()[0]) : t(in, 0).pow(t(in, 1));
            case "Max" -> t(in, 0).maximum(t(in, 1));
            case "Min" -> t(in, 0).minimum(t(in, 1));
            case "Equal" -> t(in, 0).eq(t(in, 1));
            case "Less" -> t(in, 0).lt(t(in, 1));
            case "Greater" -> t(in, 0).gt(t(in, 1));
            case "LessOrEqual" -> t(in, 0).le(t(in, 1));
            case "GreaterOrEqual" -> t(in, 0).ge(t(in, 1));
            case "And" -> t(in, 0).logicalAnd(t(in, 1));
            case "Or" -> t(in, 0).logicalOr(t(in, 1));
            case "Not" -> t(in, 0).logicalNot();
            case "Where" -> Tensor.where(t(in, 0), t(in, 1), t(in, 2));
            case "MatMul" -> t(in, 0).matmul(t(in, 1));
            case "Relu" -> Functional.relu(t(in, 0));
            case "LeakyRelu" -> Functional.leakyRelu(t(in, 0), a.f("alpha", 0.01f));
            case "Tanh" -> t(in, 0).tanh();
            case "Sigmoid" -> t(in, 0).sigmoid();
            case "Erf" -> t(in, 0).erf();
            case "Sin" -> t(in, 0).sin();
            case "Cos" -> t(in, 0).cos();
            case "Sqrt" -> t(in, 0).sqrt();
            case "Exp" -> t(in, 0).exp();
            case "Log" -> t(in, 0).log();
            case "Neg" -> t(in, 0).neg();
            case "Abs" -> t(in, 0).abs();
            case "Reciprocal" -> t(in, 0).pow(-1.0);
            case "Softmax" -> t(in, 0).softmax(a.axis("axis", -1, in.getFirst().shape().rank()));
            case "LogSoftmax" -> t(in, 0).logSoftmax(a.axis("axis", -1, in.getFirst().shape().rank()));
            case "Gemm" -> gemm(a, in);
            case "Conv" -> Convolutions.conv(a, t(in, 0), t(in, 1), opt(in, 2));
            case "Mod" -> mod(a, t(in, 0), t(in, 1));
            case "AveragePool" -> Convolutions.avgPool(a, t(in, 0));
            case "GlobalAveragePool" -> {
                Tensor x = t(in, 0);
                int[] axes = new int[Math.max(0, x.dim() - 2)];
                Arrays.setAll(axes, k -> k + 2);
                yield x.mean(axes, true);
            }
            case "BatchNormalization" -> Functional.batchNorm(t(in, 0), t(in, 3), t(in, 4), t(in, 1), t(in, 2), false,
                    a.f("momentum", 0.9f), a.f("epsilon", 1e-5f));
            case "Dropout" -> {
                boolean training = in.size() > 2 && in.get(2) != null && in.get(2).folded("Dropout training_mode").values()[0] != 0;
                double ratio = in.size() > 1 && in.get(1) != null ? in.get(1).folded("Dropout ratio").values()[0] : 0.5;
                yield Functional.dropout(t(in, 0), ratio, training);
            }
            case "Flatten" -> t(in, 0).reshape(Shapes.flattened(a, in.getFirst().shape()).toArray());
            case "Reshape" -> t(in, 0).reshape(Shapes.reshaped(a, in.getFirst().shape(), in.get(1).folded("Reshape shape").longs()).toArray());
            case "Transpose" -> {
                int rank = in.getFirst().shape().rank();
                int[] reversed = new int[rank];
                Arrays.setAll(reversed, k -> rank - 1 - k);
                yield t(in, 0).permute(a.ints("perm", reversed));
            }
            case "Unsqueeze" -> t(in, 0).reshape(Shapes.unsqueezed(a, in.getFirst().shape(), in.get(1).folded("Unsqueeze axes").ints("axes")).toArray());
            case "Squeeze" -> t(in, 0).reshape(Shapes.squeezed(a, in.getFirst().shape(),
                    in.size() > 1 && in.get(1) != null ? in.get(1).folded("Squeeze axes").ints("axes") : null).toArray());
            case "Concat" -> {
                List<Tensor> parts = new ArrayList<>();
                for (int k = 0; k < in.size(); k++) {
                    parts.add(t(in, k));
                }
                yield Tensor.cat(parts, a.axis("axis", Long.MIN_VALUE, in.getFirst().shape().rank()));
            }
            case "Slice" -> {
                Tensor x = t(in, 0);
                for (Shapes.Range r : Shapes.slices(a, x.shape(), in)) {
                    x = x.slice(r.axis(), r.start(), r.end(), r.step());
                }
                yield x;
            }
            case "Gather" -> gather(a, in);
            case "GatherElements" -> t(in, 0).gather(a.axis("axis", 0, in.getFirst().shape().rank()), t(in, 1));
            case "ScatterElements" -> {
                Tensor data = t(in, 0);
                yield data.scatterAdd(a.axis("axis", 0, data.dim()), t(in, 1), t(in, 2));
            }
            case "Pad" -> pad(a, in);
            case "Cast" -> t(in, 0).to(Protos.dtype((int) a.i("to", 0), a.where() + " attribute to"));
            case "Expand" -> {
                Tensor x = t(in, 0);
                long[] target = in.get(1).folded("Expand shape").longs();
                yield x.expand(Folded.broadcastShape(x.shape(), Folded.checkedShape(target, a.where())));
            }
            case "LayerNormalization" -> {
                Tensor x = t(in, 0);
                int axis = a.axis("axis", -1, x.dim());
                yield Functional.layerNorm(x, Arrays.copyOfRange(x.shape().toArray(), axis, x.dim()), t(in, 1), opt(in, 2), a.f("epsilon", 1e-5f));
            }
            case "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum" -> reduce(a, in);
            case "Constant", "ConstantOfShape", "Range" -> throw a.error(op + " needs its inputs known when the graph is built");
            default -> throw a.error("operator " + op + " is not supported");
        };
    }

    private Tensor gemm(Attrs a, List<Value> in) {
        Tensor x = t(in, 0);
        Tensor w = t(in, 1);
        if (x.dim() != 2 || w.dim() != 2) {
            throw a.error("Gemm takes 2-D A and B, got " + x.shape() + " and " + w.shape());
        }
        Tensor y = (a.i("transA", 0) != 0 ? x.t() : x).matmul(a.i("transB", 0) != 0 ? w.t() : w);
        double alpha = a.f("alpha", 1);
        double beta = a.f("beta", 1);
        if (alpha != 1) {
            y = y.mul(alpha);
        }
        Tensor c = opt(in, 2);
        if (c != null && beta != 0) {
            y = y.add(beta == 1 ? c : c.mul(beta));
        }
        return y;
    }

    private Tensor gather(Attrs a, List<Value> in) {
        Tensor x = t(in, 0);
        int axis = a.axis("axis", 0, x.dim());
        Value index = in.get(1);
        int n = x.size(axis);
        Tensor flat;
        if (index instanceof Folded f) {
            double[] v = f.values().clone();
            for (int i = 0; i < v.length; i++) {
                if (v[i] < -n || v[i] >= n) {
                    throw a.error("Gather index " + (long) v[i] + " is out of range for a dimension of size " + n);
                }
                v[i] = v[i] < 0 ? v[i] + n : v[i];
            }
            flat = Tensor.fromArray(v, Shape.of(v.length), DType.INT64).to(x.device());
        } else {
            flat = t(in, 1).reshape(-1);
        }
        int[] dims = x.shape().toArray();
        int[] idx = index.shape().toArray();
        int[] out = new int[dims.length - 1 + idx.length];
        System.arraycopy(dims, 0, out, 0, axis);
        System.arraycopy(idx, 0, out, axis, idx.length);
        System.arraycopy(dims, axis + 1, out, axis + idx.length, dims.length - axis - 1);
        return x.indexSelect(axis, flat).reshape(out);
    }

    /** Constant padding; ONNX's pads [b1, b2, ..., e1, e2, ...] as F.pad's last-dimension-first pairs. */
    private Tensor pad(Attrs a, List<Value> in) {
        Tensor x = t(in, 0);
        int[] pads = in.get(1).folded("Pad pads").ints("pads");
        if (pads.length != 2 * x.dim()) {
            throw a.error("pads " + Arrays.toString(pads) + " do not fit rank " + x.dim());
        }
        double value = in.size() > 2 && in.get(2) != null ? in.get(2).folded("Pad constant_value").values()[0] : 0;
        int[] torch = new int[pads.length];
        for (int d = 0; d < x.dim(); d++) {
            int dim = x.dim() - 1 - d;
            torch[2 * d] = pads[dim];
            torch[2 * d + 1] = pads[dim + x.dim()];
        }
        return Functional.pad(x, torch, "constant", value);
    }

    private Tensor reduce(Attrs a, List<Value> in) {
        Tensor x = t(in, 0);
        boolean keep = a.i("keepdims", 1) != 0;
        int[] axes = a.node().getOpType().equals("ReduceSum")
                ? (in.size() > 1 && in.get(1) != null ? in.get(1).folded("ReduceSum axes").ints("axes") : null)
                : a.ints("axes", null);
        if (axes == null || axes.length == 0) {
            axes = new int[x.dim()];
            Arrays.setAll(axes, k -> k);
        }
        for (int k = 0; k < axes.length; k++) {
            axes[k] = Shapes.axis(a, axes[k], x.dim(), a.node().getOpType());
        }
        return switch (a.node().getOpType()) {
            case "ReduceMean" -> x.mean(axes, keep);
            case "ReduceMax" -> x.amax(axes, keep);
            case "ReduceMin" -> x.amin(axes, keep);
            default -> x.sum(axes, keep);
        };
    }

    private List<Value> split(Attrs a, List<Value> in) {
        Tensor x = t(in, 0);
        int axis = a.axis("axis", 0, x.dim());
        int parts = a.node().getOutputCount();
        int[] sizes;
        if (in.size() > 1 && in.get(1) != null) {
            sizes = in.get(1).folded("Split split").ints("split");
        } else {
            if (parts == 0 || x.size(axis) % parts != 0) {
                throw a.error("Split of size " + x.size(axis) + " into " + parts + " equal parts");
            }
            sizes = new int[parts];
            Arrays.fill(sizes, x.size(axis) / parts);
        }
        if (sizes.length != parts || Arrays.stream(sizes).anyMatch(s -> s < 0) || Arrays.stream(sizes).sum() != x.size(axis)) {
            throw a.error("Split sizes " + Arrays.toString(sizes) + " do not cut a dimension of size " + x.size(axis) + " into " + parts + " outputs");
        }
        List<Value> out = new ArrayList<>();
        int start = 0;
        for (int s : sizes) {
            out.add(Value.of(x.slice(axis, start, start + s, 1)));
            start += s;
        }
        return out;
    }

    private Tensor t(List<Value> in, int k) {
        if (k >= in.size() || in.get(k) == null) {
            throw new KilnException("input " + k + " is missing");
        }
        return in.get(k).tensor(device);
    }

    private Tensor opt(List<Value> in, int k) {
        return k < in.size() && in.get(k) != null ? in.get(k).tensor(device) : null;
    }
}
