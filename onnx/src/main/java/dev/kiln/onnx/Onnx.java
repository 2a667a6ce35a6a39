package dev.kiln.onnx;

import java.nio.file.Path;

/** ONNX files in and out of Kiln: {@link #load} imports a model as a trainable Kiln module. */
public final class Onnx {
    private Onnx() {}

    /**
     * Reads an ONNX model (opsets 13–17) as a Kiln module. Every operator, attribute and input is checked here:
     * what Kiln cannot run as ONNX defines it is a {@code KilnException} naming the node, operator, attribute and opset.
     */
    public static OnnxModule load(Path path) {
        return new OnnxModule(OnnxGraph.read(path));
    }
}
