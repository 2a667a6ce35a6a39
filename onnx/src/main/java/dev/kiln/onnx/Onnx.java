package dev.kiln.onnx;

/** ONNX files in and out of Kiln. */
public final class Onnx {
    private Onnx() {}

    static onnx.Onnx.ModelProto empty() {
        return onnx.Onnx.ModelProto.getDefaultInstance();
    }
}
