package dev.kiln.onnx;

import dev.kiln.KilnException;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;

/** ONNX files in and out of Kiln: {@link #load} imports a model as a trainable Kiln module, {@link #export} writes one. *
 * <p>A round trip ({@code Net} is the example of {@link dev.kiln.nn.Module}):
 * {@snippet file="ApiSnippets.java" region="onnx"}
 */
public final class Onnx {
    private Onnx() {}

    /** The ONNX IR version Kiln writes (ONNX 1.12, opset 17). */
    static final int IR_VERSION = 8;

    /**
     * Reads an ONNX model (opsets 13–17) as a Kiln module. Every operator, attribute and input is checked here:
     * what Kiln cannot run as ONNX defines it is a {@code KilnException} naming the node, operator, attribute and opset.
     *
     * @param path the {@code .onnx} file
     * @return the model as a module whose floating-point initializers are parameters or buffers
     * @throws KilnException if the file cannot be read, is not a valid ONNX model, or uses what Kiln cannot run
     */
    public static OnnxModule load(Path path) {
        return new OnnxModule(OnnxGraph.read(path));
    }

    /**
     * Writes {@code model}'s forward on inputs shaped like {@code example} as an ONNX model at opset 17 (fixed shapes),
     * as {@code torch.onnx.export(model, example, path)}.
     *
     * @param model the module; its {@code forward(Tensor)} is traced in its current mode
     * @param example an input whose shape and dtype the exported graph takes
     * @param path the file to write
     * @throws KilnException if tracing fails, the graph uses an op ONNX export does not support, or the file cannot be written
     */
    public static void export(Module model, Tensor example, Path path) {
        export(model, example, path, false);
    }

    /**
     * Writes {@code model}'s forward on inputs shaped like {@code example} at opset 17, its parameters and buffers as
     * initializers named as in {@code stateDict()}; with {@code dynamicBatch}, dimension 0 is the named axis "batch".
     * Trace the model in the mode it should run in ({@code model.eval()} for inference).
     *
     * @param model the module; its {@code forward(Tensor)} is traced in its current mode
     * @param example an input whose shape and dtype the exported graph takes
     * @param path the file to write
     * @param dynamicBatch whether dimension 0 of the input and output is the symbolic axis "batch"
     * @throws KilnException if tracing fails, the graph uses an op ONNX export does not support, the graph depends
     *     on the batch size where {@code dynamicBatch} asks it not to, or the file cannot be written
     */
    public static void export(Module model, Tensor example, Path path, boolean dynamicBatch) {
        Map<Tensor, String> names = new IdentityHashMap<>();
        model.namedParameters().forEach((name, t) -> names.put(t, name));
        model.namedBuffers().forEach((name, t) -> names.put(t, name));
        write(xs -> model.forward(xs[0]), List.of(example), names, path, dynamicBatch);
    }

    /**
     * Writes {@code forward} on inputs shaped like {@code examples} at opset 17; the tensors it reads become initializers.
     *
     * @param forward the function to trace, of one tensor per example, returning the graph's one output
     * @param examples inputs whose shapes and dtypes the exported graph takes, in order
     * @param path the file to write
     * @param dynamicBatch whether dimension 0 of every input and of the output is the symbolic axis "batch"
     * @throws KilnException if tracing fails, the graph uses an op ONNX export does not support, the graph depends
     *     on the batch size where {@code dynamicBatch} asks it not to (or an input is 0-d), or the file cannot be written
     */
    public static void export(Step forward, List<Tensor> examples, Path path, boolean dynamicBatch) {
        write(forward, examples, new IdentityHashMap<>(), path, dynamicBatch);
    }

    private static void write(Step forward, List<Tensor> examples, Map<Tensor, String> names, Path path, boolean dynamicBatch) {
        GraphProto graph = Exporter.graph(xs -> forward.apply(xs.toArray(Tensor[]::new)), examples, names, dynamicBatch);
        if (dynamicBatch) {
            checkBatchFree(forward, examples, names, graph);
        }
        ModelProto model = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("Kiln").setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Exporter.OPSET)).setGraph(graph).build();
        try {
            Files.write(path, model.toByteArray());
        } catch (IOException e) {
            throw new KilnException("cannot write ONNX file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * A graph is batch-free when tracing at batch B + 1 writes the same nodes: a shape in the graph that depends on the
     * batch other than by copying the input's dimension 0 would differ, and the file would be wrong for other batches.
     */
    private static void checkBatchFree(Step forward, List<Tensor> examples, Map<Tensor, String> names, GraphProto graph) {
        List<Tensor> grown = new ArrayList<>();
        for (Tensor t : examples) {
            if (t.dim() == 0) {
                throw new KilnException("a dynamic batch axis needs inputs with a dimension 0, got a 0-d input");
            }
            grown.add(Tensor.cat(List.of(t, t.slice(0, 0, 1, 1)), 0));
        }
        GraphProto other = Exporter.graph(xs -> forward.apply(xs.toArray(Tensor[]::new)), grown, names, true);
        List<NodeProto> a = graph.getNodeList();
        List<NodeProto> b = other.getNodeList();
        for (int k = 0; k < Math.min(a.size(), b.size()); k++) {
            if (!a.get(k).equals(b.get(k))) {
                throw new KilnException("cannot export with a dynamic batch axis: node '" + a.get(k).getName() + "' (" + a.get(k).getOpType()
                        + ") depends on the batch size in a way ONNX shapes cannot follow (or another dimension equals the example's batch size: "
                        + "try an example of another batch size); else export with fixed shapes");
            }
        }
        if (a.size() != b.size()) {
            throw new KilnException("cannot export with a dynamic batch axis: the traced graph changes with the batch size");
        }
    }
}
