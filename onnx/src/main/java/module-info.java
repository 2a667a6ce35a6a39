/** ONNX import ({@code Onnx.load}) and export ({@code Onnx.export}); the wire format is generated from onnx.proto. */
module dev.kiln.onnx {
    requires transitive dev.kiln;
    requires com.google.protobuf;

    exports dev.kiln.onnx;
    // the generated wire-format classes, which protobuf's runtime reads reflectively
    opens onnx to com.google.protobuf;
}
