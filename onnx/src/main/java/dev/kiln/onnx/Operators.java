package dev.kiln.onnx;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import onnx.Onnx.AttributeProto;

/**
 * The ONNX operators Kiln imports (default domain, opsets 13–17), the attributes each takes, and the load-time
 * check that refuses any operator, attribute or value Kiln cannot honour — never a silent wrong answer.
 */
final class Operators {
    private Operators() {}

    static final int MIN_OPSET = 13;
    static final int MAX_OPSET = 17;

    /** An operator: the first opset (within 13–17) that has it in this form, its inputs (required, most), its most outputs, its attributes. */
    record Spec(int since, int minInputs, int maxInputs, int maxOutputs, Set<String> attributes) {}

    static final Map<String, Spec> SPECS = new TreeMap<>();

    private static void op(String name, int since, int minInputs, int maxInputs, int maxOutputs, String... attributes) {
        SPECS.put(name, new Spec(since, minInputs, maxInputs, maxOutputs, Set.of(attributes)));
    }

    static {
        for (String unary : new String[] {"Relu", "Tanh", "Sigmoid", "Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal",
                "Identity", "Not", "Sin", "Cos"}) {
            op(unary, 13, 1, 1, 1);
        }
        for (String binary : new String[] {"Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "LessOrEqual",
                "GreaterOrEqual", "And", "Or", "MatMul", "Max", "Min"}) {
            op(binary, 13, 2, 2, 1);
        }
        op("Where", 13, 3, 3, 1);
        op("Mod", 13, 2, 2, 1, "fmod");
        op("Gemm", 13, 2, 3, 1, "alpha", "beta", "transA", "transB");
        op("Softmax", 13, 1, 1, 1, "axis");
        op("LogSoftmax", 13, 1, 1, 1, "axis");
        op("LeakyRelu", 13, 1, 1, 1, "alpha");
        op("Conv", 13, 2, 3, 1, "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        op("MaxPool", 13, 1, 1, 2, "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides");
        op("AveragePool", 13, 1, 1, 1, "auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides");
        op("GlobalAveragePool", 13, 1, 1, 1);
        op("BatchNormalization", 13, 5, 5, 1, "epsilon", "momentum", "training_mode");
        op("Dropout", 13, 1, 3, 1, "seed");
        op("Flatten", 13, 1, 1, 1, "axis");
        op("Reshape", 13, 2, 2, 1, "allowzero");
        op("Transpose", 13, 1, 1, 1, "perm");
        op("Unsqueeze", 13, 2, 2, 1);
        op("Squeeze", 13, 1, 2, 1);
        op("Concat", 13, 1, Integer.MAX_VALUE, 1, "axis");
        op("Split", 13, 1, 2, Integer.MAX_VALUE, "axis");
        op("Slice", 13, 3, 5, 1);
        op("Gather", 13, 2, 2, 1, "axis");
        op("GatherElements", 13, 2, 2, 1, "axis");
        op("ScatterElements", 16, 3, 3, 1, "axis", "reduction");
        op("Pad", 13, 2, 3, 1, "mode");
        op("Cast", 13, 1, 1, 1, "to");
        op("Constant", 13, 0, 0, 1, "value", "value_float", "value_floats", "value_int", "value_ints");
        op("ConstantOfShape", 13, 1, 1, 1, "value");
        op("Shape", 13, 1, 1, 1, "start", "end");
        op("Expand", 13, 2, 2, 1);
        op("Range", 13, 3, 3, 1);
        op("LayerNormalization", 17, 2, 3, 1, "axis", "epsilon", "stash_type");
        op("ReduceMean", 13, 1, 1, 1, "axes", "keepdims");
        op("ReduceMax", 13, 1, 1, 1, "axes", "keepdims");
        op("ReduceMin", 13, 1, 1, 1, "axes", "keepdims");
        op("ReduceSum", 13, 1, 2, 1, "keepdims", "noop_with_empty_axes");
        op("LSTM", 13, 3, 8, 3, "activations", "direction", "hidden_size", "input_forget", "layout", "clip");
        op("GRU", 13, 3, 6, 2, "activations", "direction", "hidden_size", "layout", "linear_before_reset", "clip");
    }

    /** Throws unless Kiln runs this node as ONNX defines it at {@code opset}. */
    static void check(Attrs a) {
        String op = a.node().getOpType();
        Spec spec = SPECS.get(op);
        if (spec == null) {
            throw a.error("operator " + op + " is not supported by Kiln's ONNX import (supported: " + String.join(", ", SPECS.keySet()) + ")");
        }
        if (a.opset() < spec.since()) {
            throw a.error("operator " + op + " needs opset " + spec.since() + " or later in this form; the model imports opset " + a.opset());
        }
        int inputs = a.node().getInputCount();
        if (inputs < spec.minInputs() || inputs > spec.maxInputs()) {
            throw a.error(op + " takes " + (spec.minInputs() == spec.maxInputs() ? "" : "from " + spec.minInputs() + " to ")
                    + (spec.maxInputs() == Integer.MAX_VALUE ? "any number of" : spec.maxInputs()) + " inputs, got " + inputs);
        }
        for (int k = 0; k < spec.minInputs(); k++) {
            if (a.input(k).isEmpty()) {
                throw a.error("required input " + k + " is empty");
            }
        }
        if (a.node().getOutputCount() == 0) {
            throw a.error("the node has no outputs");
        }
        if (a.node().getOutputCount() > spec.maxOutputs()) {
            throw a.error("output " + spec.maxOutputs() + " ('" + a.node().getOutput(spec.maxOutputs()) + "') is not supported: "
                    + op + " gives at most " + spec.maxOutputs() + " output(s) in Kiln");
        }
        for (AttributeProto attr : a.node().getAttributeList()) {
            if (!spec.attributes().contains(attr.getName())) {
                throw a.error("attribute " + attr.getName() + " is not supported (" + op + " takes " + new java.util.TreeSet<>(spec.attributes()) + ")");
            }
            if (!attr.getRefAttrName().isEmpty() || attr.getType() == AttributeProto.AttributeType.GRAPH) {
                throw a.error("attribute " + attr.getName() + " refers to a function or holds a subgraph: not supported");
            }
        }
        switch (op) {
            case "Conv", "MaxPool", "AveragePool" -> {
                require(a, "auto_pad", a.s("auto_pad", "NOTSET"), "NOTSET");
                require(a, "storage_order", a.i("storage_order", 0), 0L);
                if (!a.has("kernel_shape") && !op.equals("Conv")) {
                    throw a.error("attribute kernel_shape is required");
                }
            }
            case "BatchNormalization" -> require(a, "training_mode", a.i("training_mode", 0), 0L);
            case "ScatterElements" -> require(a, "reduction", a.s("reduction", "none"), "add");
            case "Pad" -> require(a, "mode", a.s("mode", "constant"), "constant");
            case "Reshape" -> require(a, "allowzero", a.i("allowzero", 0), 0L);
            case "ReduceSum" -> require(a, "noop_with_empty_axes", a.i("noop_with_empty_axes", 0), 0L);
            case "LayerNormalization" -> require(a, "stash_type", a.i("stash_type", 1), 1L);
            case "Constant" -> {
                if (a.node().getAttributeCount() != 1) {
                    throw a.error("a Constant holds exactly one of value, value_float, value_floats, value_int, value_ints");
                }
            }
            case "LSTM", "GRU" -> {
                require(a, "layout", a.i("layout", 0), 0L);
                require(a, "input_forget", a.i("input_forget", 0), 0L);
                if (a.has("clip")) {
                    throw a.error("attribute clip is not supported");
                }
                if (a.has("activations")) {
                    var given = a.find("activations").getStringsList().stream().map(b -> b.toStringUtf8()).toList();
                    var expected = op.equals("LSTM") ? java.util.List.of("Sigmoid", "Tanh", "Tanh") : java.util.List.of("Sigmoid", "Tanh");
                    if (!given.equals(expected) && !given.equals(repeat(expected))) {
                        throw a.error("attribute activations=" + given + " is not supported (Kiln runs the default " + expected + ")");
                    }
                }
                String dir = a.s("direction", "forward");
                if (!Set.of("forward", "reverse", "bidirectional").contains(dir)) {
                    throw a.error("attribute direction=" + dir + " is not one of forward, reverse, bidirectional");
                }
                if (!a.input(4).isEmpty()) {
                    throw a.error("input sequence_lens ('" + a.input(4) + "') is not supported: every sequence runs to full length");
                }
                if (op.equals("LSTM") && !a.input(7).isEmpty()) {
                    throw a.error("input P ('" + a.input(7) + "', peepholes) is not supported");
                }
                if (a.i("hidden_size", 0) <= 0) {
                    throw a.error("attribute hidden_size is required and must be positive");
                }
            }
            default -> { }
        }
    }

    private static <T> java.util.List<T> repeat(java.util.List<T> list) {
        var out = new java.util.ArrayList<>(list);
        out.addAll(list);
        return out;
    }

    private static void require(Attrs a, String name, Object got, Object supported) {
        if (!got.equals(supported)) {
            throw a.error("attribute " + name + "=" + got + " is not supported (Kiln supports " + supported + ")");
        }
    }
}
