package dev.kiln.onnx;

import dev.kiln.KilnException;
import java.nio.charset.StandardCharsets;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;

/** A node's attributes with ONNX's defaults; errors name the node, its operator and the opset. */
record Attrs(NodeProto node, int opset) {

    String where() {
        return "ONNX node '" + node.getName() + "' (" + node.getOpType() + ", opset " + opset + ")";
    }

    KilnException error(String message) {
        return new KilnException(where() + ": " + message);
    }

    AttributeProto find(String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    boolean has(String name) {
        return find(name) != null;
    }

    private AttributeProto typed(String name, AttributeProto.AttributeType type) {
        AttributeProto a = find(name);
        if (a != null && a.hasType() && a.getType() != type) {
            throw error("attribute " + name + " should be " + type + ", got " + a.getType());
        }
        return a;
    }

    long i(String name, long fallback) {
        AttributeProto a = typed(name, AttributeProto.AttributeType.INT);
        return a == null ? fallback : a.getI();
    }

    int axis(String name, long fallback, int rank) {
        long v = i(name, fallback);
        long a = v < 0 ? v + rank : v;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw error("attribute " + name + "=" + v + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    double f(String name, double fallback) {
        AttributeProto a = typed(name, AttributeProto.AttributeType.FLOAT);
        return a == null ? fallback : a.getF();
    }

    String s(String name, String fallback) {
        AttributeProto a = typed(name, AttributeProto.AttributeType.STRING);
        return a == null ? fallback : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** An INTS attribute as ints, or {@code fallback} when absent. */
    int[] ints(String name, int[] fallback) {
        AttributeProto a = typed(name, AttributeProto.AttributeType.INTS);
        if (a == null) {
            return fallback;
        }
        int[] out = new int[a.getIntsCount()];
        for (int k = 0; k < out.length; k++) {
            long v = a.getInts(k);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw error("attribute " + name + " holds " + v + ", out of range");
            }
            out[k] = (int) v;
        }
        return out;
    }

    float[] floats(String name) {
        AttributeProto a = typed(name, AttributeProto.AttributeType.FLOATS);
        float[] out = new float[a == null ? 0 : a.getFloatsCount()];
        for (int k = 0; k < out.length; k++) {
            out[k] = a.getFloats(k);
        }
        return out;
    }

    TensorProto t(String name) {
        AttributeProto a = typed(name, AttributeProto.AttributeType.TENSOR);
        return a == null ? null : a.getT();
    }

    /** The name of input {@code k}, or "" when absent (ONNX's optional inputs). */
    String input(int k) {
        return k < node.getInputCount() ? node.getInput(k) : "";
    }
}
