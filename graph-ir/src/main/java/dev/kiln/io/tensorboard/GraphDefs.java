package dev.kiln.io.tensorboard;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.ModuleCalls;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import dev.kiln.nn.Module;
import java.util.IdentityHashMap;
import java.util.Map;

/** A model's traced forward as TensorFlow's {@code GraphDef}, the message TensorBoard's graph tab draws. */
final class GraphDefs {
    private GraphDefs() {
    }

    static byte[] of(Module model, Shape inputShape) {
        DType dtype = model.parameters().stream().map(Tensor::dtype).filter(DType::isFloating).findFirst().orElse(Kiln.defaultDtype());
        ModuleCalls calls;
        try {
            calls = ModuleCalls.trace(model, new TensorType(inputShape, dtype));
        } catch (KilnException e) {
            throw new KilnException("SummaryWriter.addGraph: the model's forward failed on an input of shape " + inputShape + ": "
                    + e.getMessage(), e);
        }
        Map<Tensor, String> owned = new IdentityHashMap<>();
        model.namedParameters().forEach((k, t) -> owned.put(t, k));
        model.namedBuffers().forEach((k, t) -> owned.putIfAbsent(t, k));
        Graph g = calls.graph();
        Map<Node, String> names = new IdentityHashMap<>();
        Proto.Writer graph = new Proto.Writer();
        for (Node n : g.nodes()) {
            String scope = scope(calls.callOf(n));
            Tensor captured = calls.capturedBy(n);
            String name;
            if (n.op() instanceof Leaf.Input && captured == null) {
                name = "input/x";
            } else if (captured != null) {
                String path = owned.get(captured);
                name = path == null ? scope + "/captured_" + n.id() : scope + "/" + path.substring(path.lastIndexOf('.') + 1);
            } else {
                name = scope + "/" + n.op().name() + "_" + n.id();
            }
            names.put(n, name);
            Proto.Writer node = new Proto.Writer().string(1, name).string(2, n.op().name());
            for (Node in : n.inputs()) {
                node.string(3, names.get(in));
            }
            node.message(5, attr("_output_shapes", new Proto.Writer().message(1, new Proto.Writer().message(7, shape(n.shape())))));
            node.message(5, attr("dtype", new Proto.Writer().string(2, n.dtype().toString())));
            String attributes = n.op().attributes();
            if (!attributes.isEmpty()) {
                node.message(5, attr("attributes", new Proto.Writer().string(2, attributes)));
            }
            if (captured != null && owned.containsKey(captured)) {
                node.message(5, attr("parameter", new Proto.Writer().string(2, owned.get(captured))));
            }
            graph.message(1, node);
        }
        return graph.message(4, new Proto.Writer().int64(1, 22)).bytes(); // the producer version PyTorch writes
    }

    /** "Sequential/Linear[7]": the model's class, then each call's class and name in its parent. */
    private static String scope(ModuleCalls.Call c) {
        if (c.parent == null) {
            return ModuleCalls.typeName(c.module);
        }
        return scope(c.parent) + "/" + ModuleCalls.typeName(c.module) + "[" + c.name.substring(c.name.lastIndexOf('.') + 1) + "]";
    }

    private static Proto.Writer attr(String key, Proto.Writer value) {
        return new Proto.Writer().string(1, key).message(2, value);
    }

    private static Proto.Writer shape(Shape s) {
        Proto.Writer w = new Proto.Writer();
        for (int d : s.toArray()) {
            w.message(2, new Proto.Writer().int64(1, d));
        }
        return w;
    }
}
