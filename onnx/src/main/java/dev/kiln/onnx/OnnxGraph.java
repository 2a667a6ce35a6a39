package dev.kiln.onnx;

import dev.kiln.DType;
import dev.kiln.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.ValueInfoProto;

/**
 * A checked ONNX graph: its inputs (name, dtype, dimensions with -1 for named or unknown ones), its
 * initializers, its nodes in an order that runs (topologically sorted) and its outputs.
 */
record OnnxGraph(String name, String producer, int opset, List<Input> inputs, Map<String, Folded> initializers,
                 List<Attrs> nodes, List<String> outputs) {

    /** A graph input: -1 marks a dimension the file leaves open (a dynamic axis). */
    record Input(String name, DType dtype, int[] dims) {}

    static OnnxGraph read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new KilnException("cannot read ONNX file " + path + ": " + e.getMessage(), e);
        }
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new KilnException(path + " is not a valid ONNX file (truncated or corrupt, " + bytes.length + " bytes): "
                    + e.getMessage(), e);
        }
        return of(model, path.toString());
    }

    static OnnxGraph of(ModelProto model, String source) {
        if (!model.hasGraph()) {
            throw new KilnException(source + " holds no graph: not an ONNX model");
        }
        int opset = opset(model, source);
        GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0) {
            throw new KilnException(source + ": sparse initializers ('" + g.getSparseInitializer(0).getValues().getName() + "') are not supported");
        }
        Map<String, Folded> initializers = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().isEmpty() || initializers.put(t.getName(), Protos.read(t, source + ": initializer")) != null) {
                throw new KilnException(source + ": initializer name '" + t.getName() + "' is empty or repeated");
            }
        }
        List<Input> inputs = new ArrayList<>();
        Set<String> defined = new HashSet<>(initializers.keySet());
        for (ValueInfoProto v : g.getInputList()) {
            if (initializers.containsKey(v.getName())) {
                continue; // older exporters list initializers among the inputs
            }
            if (!v.getType().hasTensorType()) {
                throw new KilnException(source + ": input '" + v.getName() + "' is not a tensor (sequences, maps and optionals are not supported)");
            }
            var tt = v.getType().getTensorType();
            DType dtype = Protos.dtype(tt.getElemType(), source + ": input '" + v.getName() + "'");
            int[] dims = new int[tt.getShape().getDimCount()];
            for (int d = 0; d < dims.length; d++) {
                TensorShapeProto.Dimension dim = tt.getShape().getDim(d);
                dims[d] = dim.hasDimValue() && dim.getDimValue() >= 0 && dim.getDimValue() <= Folded.MAX_ELEMENTS ? (int) dim.getDimValue() : -1;
            }
            if (v.getName().isEmpty() || !defined.add(v.getName())) {
                throw new KilnException(source + ": input name '" + v.getName() + "' is empty or repeated");
            }
            inputs.add(new Input(v.getName(), dtype, dims));
        }
        List<Attrs> nodes = sorted(g, defined, opset, source);
        List<String> outputs = new ArrayList<>();
        Set<String> all = new HashSet<>(defined);
        nodes.forEach(n -> all.addAll(n.node().getOutputList()));
        for (ValueInfoProto v : g.getOutputList()) {
            if (!all.contains(v.getName())) {
                throw new KilnException(source + ": graph output '" + v.getName() + "' is not produced by any node, input or initializer");
            }
            outputs.add(v.getName());
        }
        if (outputs.isEmpty()) {
            throw new KilnException(source + ": the graph has no outputs");
        }
        return new OnnxGraph(g.getName(), model.getProducerName() + " " + model.getProducerVersion(), opset, inputs, initializers, nodes, outputs);
    }

    private static int opset(ModelProto model, String source) {
        int opset = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, o.getVersion()));
            }
        }
        if (opset < Operators.MIN_OPSET || opset > Operators.MAX_OPSET) {
            throw new KilnException(source + ": opset " + (opset < 0 ? "(none imported)" : opset) + " is not supported: Kiln imports opsets "
                    + Operators.MIN_OPSET + " to " + Operators.MAX_OPSET + " of the default domain (re-export with opset_version=17)");
        }
        return opset;
    }

    /** The nodes in an order where each runs after the producers of its inputs; undefined inputs and cycles are errors. */
    private static List<Attrs> sorted(GraphProto g, Set<String> defined, int opset, String source) {
        Map<String, Integer> producer = new HashMap<>();
        List<Attrs> nodes = new ArrayList<>();
        for (int k = 0; k < g.getNodeCount(); k++) {
            NodeProto n = g.getNode(k);
            Attrs a = new Attrs(n, opset);
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw a.error("domain '" + n.getDomain() + "' is not supported (Kiln imports the default ONNX domain)");
            }
            Operators.check(a);
            for (String out : n.getOutputList()) {
                if (!out.isEmpty() && (defined.contains(out) || producer.put(out, k) != null)) {
                    throw a.error("output '" + out + "' is already defined elsewhere in the graph");
                }
            }
            nodes.add(a);
        }
        int[] waiting = new int[nodes.size()];
        Map<Integer, List<Integer>> users = new HashMap<>();
        for (int k = 0; k < nodes.size(); k++) {
            for (String in : nodes.get(k).node().getInputList()) {
                if (in.isEmpty() || defined.contains(in)) {
                    continue;
                }
                Integer p = producer.get(in);
                if (p == null) {
                    throw nodes.get(k).error("input '" + in + "' is not defined: no node, graph input or initializer has that name");
                }
                waiting[k]++;
                users.computeIfAbsent(p, x -> new ArrayList<>()).add(k);
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int k = 0; k < waiting.length; k++) {
            if (waiting[k] == 0) {
                ready.add(k);
            }
        }
        List<Attrs> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int k = ready.poll();
            order.add(nodes.get(k));
            for (int u : users.getOrDefault(k, List.of())) {
                if (--waiting[u] == 0) {
                    ready.add(u);
                }
            }
        }
        if (order.size() != nodes.size()) {
            List<String> stuck = new ArrayList<>();
            for (int k = 0; k < waiting.length && stuck.size() < 5; k++) {
                if (waiting[k] > 0) {
                    stuck.add("'" + nodes.get(k).node().getName() + "' (" + nodes.get(k).node().getOpType() + ")");
                }
            }
            throw new KilnException(source + ": the graph has a cycle through nodes " + String.join(", ", stuck));
        }
        return order;
    }
}
