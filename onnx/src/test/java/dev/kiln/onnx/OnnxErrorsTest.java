package dev.kiln.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Kiln cannot run as ONNX defines it fails at load time, naming the node, operator, attribute and opset. */
class OnnxErrorsTest {
    @TempDir
    Path dir;

    /** x [2, 3] float → node → y, at {@code opset}. */
    static ModelProto model(int opset, NodeProto... nodes) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(value("x", 2, 3)).addOutput(value("y"));
        for (NodeProto n : nodes) {
            g.addNode(n);
        }
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(g).build();
    }

    static ValueInfoProto value(String name, int... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    static NodeProto node(String name, String op, String[] in, String[] out, AttributeProto... attrs) {
        return NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(Arrays.asList(in)).addAllOutput(Arrays.asList(out))
                .addAllAttribute(Arrays.asList(attrs)).build();
    }

    static AttributeProto string(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    private String loadError(ModelProto m) throws IOException {
        Path f = dir.resolve("m.onnx");
        Files.write(f, m.toByteArray());
        return assertThrows(KilnException.class, () -> Onnx.load(f)).getMessage();
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' missing from: " + message);
        }
    }

    @Test
    void unsupportedOperatorNamesNodeOperatorAndOpset() throws IOException {
        String m = loadError(model(17, node("block.0/einsum", "Einsum", new String[] {"x"}, new String[] {"y"})));
        contains(m, "ONNX node 'block.0/einsum'", "Einsum", "opset 17", "not supported");
    }

    @Test
    void unsupportedAttributeValueNamesTheAttribute() throws IOException {
        String m = loadError(model(13, node("conv1", "Conv", new String[] {"x", "x"}, new String[] {"y"}, string("auto_pad", "SAME_UPPER"))));
        contains(m, "'conv1'", "Conv", "opset 13", "auto_pad=SAME_UPPER", "NOTSET");
    }

    @Test
    void unknownAttributeIsRefused() throws IOException {
        String m = loadError(model(14, node("r", "Relu", new String[] {"x"}, new String[] {"y"}, string("mode", "fast"))));
        contains(m, "'r'", "Relu", "opset 14", "attribute mode");
    }

    @Test
    void layerNormalizationNeedsOpset17() throws IOException {
        String m = loadError(model(16, node("ln", "LayerNormalization", new String[] {"x", "x"}, new String[] {"y"})));
        contains(m, "'ln'", "LayerNormalization", "opset 17", "opset 16");
    }

    @Test
    void extraOutputsAreRefused() throws IOException {
        String m = loadError(model(17, node("act", "Relu", new String[] {"x"}, new String[] {"y", "extra"})));
        contains(m, "'act'", "Relu", "'extra'");
    }

    @Test
    void opsetOutsideThirteenToSeventeenIsRefused() throws IOException {
        contains(loadError(model(11, node("r", "Relu", new String[] {"x"}, new String[] {"y"}))), "opset 11", "13 to 17");
        contains(loadError(model(18, node("r", "Relu", new String[] {"x"}, new String[] {"y"}))), "opset 18");
    }

    @Test
    void undefinedInputIsNamed() throws IOException {
        String m = loadError(model(17, node("add", "Add", new String[] {"x", "bias"}, new String[] {"y"})));
        contains(m, "'add'", "'bias'", "not defined");
    }

    @Test
    void cycleIsNamed() throws IOException {
        String m = loadError(model(17, node("a", "Add", new String[] {"x", "c"}, new String[] {"b"}),
                node("b", "Relu", new String[] {"b"}, new String[] {"c"}), node("c", "Identity", new String[] {"c"}, new String[] {"y"})));
        contains(m, "cycle", "'a' (Add)", "'b' (Relu)");
    }

    @Test
    void externalDataIsNamed() throws IOException {
        TensorProto w = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(3)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")).build();
        ModelProto m = model(17, node("add", "Add", new String[] {"x", "w"}, new String[] {"y"}));
        m = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(w)).build();
        contains(loadError(m), "'w'", "external file 'weights.bin'", "not supported");
    }

    @Test
    void truncatedFileIsNamed() throws IOException {
        byte[] full = Files.readAllBytes(OnnxPytorchTest.fixture("mlp.onnx"));
        Path f = dir.resolve("cut.onnx");
        Files.write(f, Arrays.copyOf(full, full.length / 2));
        contains(assertThrows(KilnException.class, () -> Onnx.load(f)).getMessage(), "cut.onnx", "truncated or corrupt");
    }

    @Test
    void wrongInputShapeAtForwardSaysExpectedAndGot() {
        OnnxModule mlp = Onnx.load(OnnxPytorchTest.fixture("mlp.onnx"));
        Consumer<Tensor> run = mlp::forward;
        contains(assertThrows(KilnException.class, () -> run.accept(Tensor.zeros(4, 5))).getMessage(),
                "'input0'", "float32 [?, 6]", "got float32 [4, 5]");
    }
}
