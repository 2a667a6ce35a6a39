package dev.kiln.onnx;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Barrier;
import dev.kiln.ir.Binary;
import dev.kiln.ir.Call;
import dev.kiln.ir.Cast;
import dev.kiln.ir.Collective;
import dev.kiln.ir.Compare;
import dev.kiln.ir.Detach;
import dev.kiln.ir.Draw;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Index;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.Reduce;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import dev.kiln.ir.Where;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;

/**
 * Writes the graph Kiln traces from a forward function as an ONNX graph at opset 17: each IR primitive becomes
 * one or a few ONNX nodes, captured tensors (the weights) become initializers named by {@code names}.
 */
final class Exporter {
    static final int OPSET = 17;

    private final Map<Node, String> values = new IdentityHashMap<>();
    private final List<NodeProto> nodes = new ArrayList<>();
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final int batch;
    private boolean batchRead;

    private Exporter(int batch) {
        this.batch = batch;
    }

    /**
     * The ONNX graph of {@code forward} on inputs like {@code examples}. With {@code dynamicBatch}, dimension 0 of the
     * inputs and the output is named "batch", and shapes in the graph that copy it are written relative to it.
     */
    static GraphProto graph(Function<List<Tensor>, Tensor> forward, List<Tensor> examples, Map<Tensor, String> names, boolean dynamicBatch) {
        List<TensorType> types = examples.stream().map(t -> new TensorType(t.shape(), t.dtype())).toList();
        Map<Node, Tensor> captured = new IdentityHashMap<>();
        Graph g = Tracing.trace(forward, types, captured);
        int batch = dynamicBatch ? batchOf(examples) : -1;
        Exporter e = new Exporter(batch);
        GraphProto.Builder out = GraphProto.newBuilder().setName("kiln");
        int input = 0;
        for (Node n : g.nodes()) {
            if (n.op() instanceof Leaf.Input && !captured.containsKey(n)) {
                String name = "input" + input++;
                e.values.put(n, name);
                out.addInput(valueInfo(name, n.type(), batch));
            }
        }
        for (Node n : g.nodes()) {
            e.emit(n, captured, names);
        }
        Node result = g.outputs().getFirst();
        e.nodes.add(NodeProto.newBuilder().setName("output").setOpType("Identity").addInput(e.values.get(result)).addOutput("output0").build());
        out.addAllNode(e.nodes);
        out.addOutput(valueInfo("output0", result.type(), batch));
        out.addAllInitializer(e.initializers.values());
        return out.build();
    }

    private static int batchOf(List<Tensor> examples) {
        if (examples.isEmpty() || examples.getFirst().dim() == 0) {
            throw new KilnException("a dynamic batch axis needs inputs with a dimension 0");
        }
        int b = examples.getFirst().size(0);
        for (Tensor t : examples) {
            if (t.dim() == 0 || t.size(0) != b) {
                throw new KilnException("a dynamic batch axis needs every input's dimension 0 to be the batch (" + b + "), got " + t.shape());
            }
        }
        return b;
    }

    static ValueInfoProto valueInfo(String name, TensorType type, int batch) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        int[] dims = type.shape().toArray();
        for (int d = 0; d < dims.length; d++) {
            s.addDim(d == 0 && batch >= 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(dims[d]));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(Protos.dataType(type.dtype())).setShape(s))).build();
    }

    private void emit(Node n, Map<Node, Tensor> captured, Map<Tensor, String> names) {
        if (values.containsKey(n)) {
            return;
        }
        for (Node input : n.inputs()) {
            emit(input, captured, names);
        }
        if (n.op() instanceof Call c && c.invocation().inlinedForward() != null) {
            // a custom function's call stands for its traced forward, which is plain ops
            Node forward = c.invocation().inlinedForward();
            emit(forward, captured, names);
            values.put(n, values.get(forward));
            return;
        }
        String out = "v" + n.id();
        values.put(n, out);
        List<String> in = n.inputs().stream().map(values::get).toList();
        switch (n.op()) {
            case Leaf.Input i -> {
                Tensor t = captured.get(n);
                String name = names.getOrDefault(t, "const" + n.id());
                values.put(n, name);
                if (!initializers.containsKey(name)) {
                    initializers.put(name, Protos.write(name, t.dtype(), t.shape(), t.toDoubleArray()));
                }
            }
            case Leaf.Constant c -> constant(out, Protos.write("", c.dtype(), Shape.scalar(), new double[] {c.value()}));
            case Leaf.Random r -> throw new KilnException("the traced forward draws random numbers (" + r.distribution()
                    + "); export the model in eval mode (model.eval())");
            case Draw d -> throw new KilnException("the traced forward draws random numbers (" + d.distribution()
                    + "); export the model in eval mode (model.eval())");
            case Call c -> throw new KilnException("a custom autograd function (" + c.invocation().functionName()
                    + ") without a traced forward cannot be exported to ONNX");
            case Collective c -> throw new KilnException("a collective (" + c.name() + ") cannot be exported to ONNX");
            case dev.kiln.ir.Attend.Forward f -> attention(f, n, out, in);
            case dev.kiln.ir.Attend.Backward b -> throw new KilnException("attention's backward cannot be exported to ONNX (export a forward)");
            case Barrier b -> node("Identity", out, in);
            case Detach d -> node("Identity", out, in);
            case Unary u -> unary(u, out, in.getFirst(), n.dtype());
            case Binary b -> node(switch (b) {
                case Binary.Add x -> "Add";
                case Binary.Sub x -> "Sub";
                case Binary.Mul x -> "Mul";
                case Binary.Div x -> "Div";
                case Binary.Pow x -> "Pow";
                case Binary.Maximum x -> "Max";
                case Binary.Minimum x -> "Min";
            }, out, in);
            case Compare c -> {
                switch (c) {
                    case Compare.Lt x -> node("Less", out, in);
                    case Compare.Le x -> node("LessOrEqual", out, in);
                    case Compare.Gt x -> node("Greater", out, in);
                    case Compare.Ge x -> node("GreaterOrEqual", out, in);
                    case Compare.Eq x -> node("Equal", out, in);
                    case Compare.Ne x -> {
                        node("Equal", out + "_eq", in);
                        node("Not", out, List.of(out + "_eq"));
                    }
                }
            }
            case Cast c -> node("Cast", out, in, intAttr("to", Protos.dataType(c.to())));
            case Where w -> node("Where", out, in);
            case MatMul m -> node("MatMul", out, in);
            case Reduce r -> reduce(r, n, out, in.getFirst());
            case Movement m -> movement(m, n, out, in.getFirst());
            case Index.Gather gth -> node("GatherElements", out, in, intAttr("axis", gth.axis()));
            case Index.WindowArgmax wa -> windowArgmax(wa, out, in.getFirst());
            case Index.ScatterAdd s -> {
                String zeros = out + "_zeros";
                node("ConstantOfShape", zeros, List.of(shape(out + "_shape", n.shape().toArray())), tensorAttr("value", Protos.write("", n.dtype(), Shape.of(1), new double[] {0})));
                node("ScatterElements", out, List.of(zeros, in.get(0), in.get(1)), intAttr("axis", s.axis()), stringAttr("reduction", "add"));
            }
        }
    }

    private void unary(Unary u, String out, String x, DType dtype) {
        switch (u) {
            case Unary.Neg v -> node("Neg", out, List.of(x));
            case Unary.Abs v -> node("Abs", out, List.of(x));
            case Unary.Exp v -> node("Exp", out, List.of(x));
            case Unary.Log v -> node("Log", out, List.of(x));
            case Unary.Sin v -> node("Sin", out, List.of(x));
            case Unary.Cos v -> node("Cos", out, List.of(x));
            case Unary.Sqrt v -> node("Sqrt", out, List.of(x));
            case Unary.Tanh v -> node("Tanh", out, List.of(x));
            case Unary.Erf v -> node("Erf", out, List.of(x));
            case Unary.Log1p v -> {
                constant(out + "_one", Protos.write("", dtype, Shape.scalar(), new double[] {1}));
                node("Add", out + "_x1", List.of(x, out + "_one"));
                node("Log", out, List.of(out + "_x1"));
            }
            case Unary.Expm1 v -> {
                constant(out + "_one", Protos.write("", dtype, Shape.scalar(), new double[] {1}));
                node("Exp", out + "_e", List.of(x));
                node("Sub", out, List.of(out + "_e", out + "_one"));
            }
        }
    }

    private void reduce(Reduce r, Node n, String out, String x) {
        switch (r) {
            case Reduce.Sum s -> {
                String src = x;
                if (n.dtype() != n.input(0).dtype()) {
                    src = out + "_wide";
                    node("Cast", src, List.of(x), intAttr("to", Protos.dataType(n.dtype())));
                }
                constant(out + "_axes", Protos.write("", DType.INT64, Shape.of(s.axes().size()), ints(s.axes().toArray())));
                node("ReduceSum", out, List.of(src, out + "_axes"), intAttr("keepdims", s.keepDim() ? 1 : 0));
            }
            case Reduce.Max m -> node("ReduceMax", out, List.of(x), intsAttr("axes", m.axes().toArray()), intAttr("keepdims", m.keepDim() ? 1 : 0));
        }
    }

    /** Fused attention as the masked-softmax nodes it stands for; the logsumexp column appended as the op's result has it. */
    private void attention(dev.kiln.ir.Attend.Forward f, Node n, String out, List<String> in) {
        int rank = n.shape().rank();
        int l = n.input(0).shape().dim(rank - 2);
        int s = n.input(1).shape().dim(rank - 2);
        int[] perm = new int[rank];
        for (int d = 0; d < rank; d++) {
            perm[d] = d;
        }
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        DType t = n.dtype();
        node("Transpose", out + "_kt", List.of(in.get(1)), intsAttr("perm", perm));
        node("MatMul", out + "_qk", List.of(in.get(0), out + "_kt"));
        constant(out + "_scale", Protos.write("", t, Shape.scalar(), new double[] {f.scale()}));
        String scores = out + "_scores";
        node("Mul", scores, List.of(out + "_qk", out + "_scale"));
        if (f.causal()) {
            double[] mask = new double[l * s];
            for (int i = 0; i < l; i++) {
                for (int j = i + 1; j < s; j++) {
                    mask[i * s + j] = Double.NEGATIVE_INFINITY;
                }
            }
            constant(out + "_mask", Protos.write("", t, Shape.of(l, s), mask));
            node("Add", out + "_masked", List.of(scores, out + "_mask"));
            scores = out + "_masked";
        }
        node("ReduceMax", out + "_max", List.of(scores), intsAttr("axes", new int[] {-1}), intAttr("keepdims", 1));
        node("Sub", out + "_shifted", List.of(scores, out + "_max"));
        node("Exp", out + "_exp", List.of(out + "_shifted"));
        constant(out + "_axes", Protos.write("", DType.INT64, Shape.of(1), new double[] {-1}));
        node("ReduceSum", out + "_sum", List.of(out + "_exp", out + "_axes"), intAttr("keepdims", 1));
        node("Div", out + "_p", List.of(out + "_exp", out + "_sum"));
        node("MatMul", out + "_o", List.of(out + "_p", in.get(2)));
        node("Log", out + "_log", List.of(out + "_sum"));
        node("Add", out + "_lse", List.of(out + "_log", out + "_max"));
        node("Concat", out, List.of(out + "_o", out + "_lse"), intAttr("axis", -1));
    }

    private void movement(Movement m, Node n, String out, String x) {
        switch (m) {
            case Movement.Reshape r -> node("Reshape", out, List.of(x, shape(out + "_shape", r.to().toArray())));
            case Movement.Expand e -> node("Expand", out, List.of(x, shape(out + "_shape", e.to().toArray())));
            case Movement.Permute p -> node("Transpose", out, List.of(x), intsAttr("perm", p.order().toArray()));
            case Movement.Slice s -> {
                constant(out + "_starts", Protos.write("", DType.INT64, Shape.of(1), new double[] {s.start()}));
                constant(out + "_ends", Protos.write("", DType.INT64, Shape.of(1), new double[] {s.stop()}));
                constant(out + "_axes", Protos.write("", DType.INT64, Shape.of(1), new double[] {s.axis()}));
                constant(out + "_steps", Protos.write("", DType.INT64, Shape.of(1), new double[] {s.step()}));
                node("Slice", out, List.of(x, out + "_starts", out + "_ends", out + "_axes", out + "_steps"));
            }
            case Movement.Unslice u -> {
                if (u.step() != 1) {
                    throw new KilnException("the traced graph writes a strided slice (" + u.attributes() + "): not exportable to ONNX");
                }
                int rank = n.shape().rank();
                double[] pads = new double[2 * rank];
                pads[u.axis()] = u.start();
                pads[rank + u.axis()] = u.size() - u.start() - n.input(0).shape().dim(u.axis());
                constant(out + "_pads", Protos.write("", DType.INT64, Shape.of(pads.length), pads));
                node("Pad", out, List.of(x, out + "_pads"));
            }
        }
    }

    /**
     * The value named {@code name} holding {@code dims}: a constant, or with a dynamic batch and a leading dimension equal
     * to the batch, the first input's dimension 0 (read with Shape) followed by the rest.
     */
    private String shape(String name, int[] dims) {
        if (batch < 0 || dims.length == 0 || dims[0] != batch) {
            constant(name, Protos.write("", DType.INT64, Shape.of(dims.length), ints(dims)));
            return name;
        }
        if (!batchRead) {
            nodes.add(NodeProto.newBuilder().setName("batch").setOpType("Shape").addInput("input0").addOutput("batch")
                    .addAttribute(intAttr("start", 0)).addAttribute(intAttr("end", 1)).build());
            batchRead = true;
        }
        constant(name + "_rest", Protos.write("", DType.INT64, Shape.of(dims.length - 1), ints(java.util.Arrays.copyOfRange(dims, 1, dims.length))));
        node("Concat", name, List.of("batch", name + "_rest"), intAttr("axis", 0));
        return name;
    }

    private static double[] ints(int[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private void constant(String out, TensorProto value) {
        node("Constant", out, List.of(), tensorAttr("value", value));
    }

    /**
     * Max pooling's positions: ONNX MaxPool's second output, which counts over the whole NCHW tensor, taken
     * modulo H·W (Kiln's positions count within a plane).
     */
    private void windowArgmax(Index.WindowArgmax wa, String out, String x) {
        var r = wa.rows();
        var c = wa.cols();
        nodes.add(NodeProto.newBuilder().setName("MaxPool_" + out).setOpType("MaxPool").addInput(x).addOutput(out + "_values")
                .addOutput(out + "_nchw")
                .addAttribute(intsAttr("kernel_shape", new int[] {r.kernel(), c.kernel()}))
                .addAttribute(intsAttr("strides", new int[] {r.stride(), c.stride()}))
                .addAttribute(intsAttr("pads", new int[] {r.padding(), c.padding(), r.padding(), c.padding()}))
                .addAttribute(intsAttr("dilations", new int[] {r.dilation(), c.dilation()}))
                .addAttribute(intAttr("ceil_mode", r.count() > floorCount(r) || c.count() > floorCount(c) ? 1 : 0)).build());
        String plane = out + "_plane";
        constant(plane, Protos.write("", DType.INT64, Shape.of(), new double[] {(double) r.size() * c.size()}));
        node("Mod", out, List.of(out + "_nchw", plane));
    }

    private static int floorCount(Index.WindowArgmax.Axis a) {
        return (a.size() + 2 * a.padding() - a.dilation() * (a.kernel() - 1) - 1) / a.stride() + 1;
    }

    private void node(String op, String out, List<String> in, AttributeProto... attrs) {
        nodes.add(NodeProto.newBuilder().setName(out.startsWith("v") ? op + "_" + out : out).setOpType(op).addAllInput(in).addOutput(out)
                .addAllAttribute(List.of(attrs)).build());
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto intsAttr(String name, int[] v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (int x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    private static AttributeProto tensorAttr(String name, TensorProto v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(v).build();
    }
}
