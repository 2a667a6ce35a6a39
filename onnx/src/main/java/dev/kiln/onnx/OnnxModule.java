package dev.kiln.onnx;

import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import dev.kiln.nn.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An ONNX graph as a Kiln module: forward builds the graph from Kiln ops, so it runs eagerly, compiles
 * ({@code Kiln.compile}), trains and saves like any module. Floating-point initializers are parameters
 * (trainable), BatchNormalization's running statistics and masks are buffers, both under child modules that
 * follow the dotted names PyTorch gave them ({@code net.0.weight}); integer and scalar initializers are
 * constants folded into the graph.
 */
public final class OnnxModule extends Module {
    /** Initializer inputs that are state, not weights: BatchNormalization's running mean and variance. */
    private static final Map<String, Set<Integer>> STATE_INPUTS = Map.of("BatchNormalization", Set.of(3, 4));
    /** Operators whose inputs carry no gradient: an initializer used only by these is a buffer. */
    private static final Set<String> NO_GRAD = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Shape");

    private final OnnxGraph graph;
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final Map<String, Folded> constants = new LinkedHashMap<>();

    OnnxModule(OnnxGraph graph) {
        this.graph = graph;
        Map<String, Boolean> trainable = new HashMap<>();
        for (Attrs a : graph.nodes()) {
            List<String> ins = a.node().getInputList();
            for (int k = 0; k < ins.size(); k++) {
                boolean state = STATE_INPUTS.getOrDefault(a.node().getOpType(), Set.of()).contains(k) || NO_GRAD.contains(a.node().getOpType())
                        || (a.node().getOpType().equals("Where") && k == 0);
                trainable.merge(ins.get(k), !state, Boolean::logicalOr);
            }
        }
        int unnamed = 0;
        for (Map.Entry<String, Folded> e : graph.initializers().entrySet()) {
            Folded f = e.getValue();
            if (!f.dtype().isFloating() || f.shape().rank() == 0) {
                constants.put(e.getKey(), f);
                continue;
            }
            Tensor t = Tensor.fromArray(f.values(), f.shape(), f.dtype());
            boolean param = trainable.getOrDefault(e.getKey(), false);
            weights.put(e.getKey(), register(e.getKey(), param ? Parameter.of(t) : t, param, unnamed++));
        }
    }

    /** Registers under child modules named by the dots of {@code name}, or at the top when the name does not fit the tree. */
    private Tensor register(String name, Tensor t, boolean param, int index) {
        String[] parts = name.split("\\.", -1);
        Module owner = this;
        boolean fits = Arrays.stream(parts).noneMatch(String::isEmpty);
        if (fits) {
            for (int k = 0; k < parts.length - 1 && owner != null; k++) {
                owner = Scope.child(owner, parts[k]);
            }
        }
        String leaf = fits && owner != null ? parts[parts.length - 1] : "w" + index + "_" + name.replace('.', '_');
        owner = fits && owner != null ? owner : this;
        try {
            return param ? owner.registerParameter(leaf, t) : owner.registerBuffer(leaf, t);
        } catch (KilnException clash) {
            String flat = "w" + index + "_" + name.replace('.', '_');
            return param ? registerParameter(flat, t) : registerBuffer(flat, t);
        }
    }

    /** An empty module that holds the weights under one dotted prefix. */
    static final class Scope extends Module {
        static Module child(Module parent, String name) {
            Module existing = parent.namedChildren().get(name);
            if (existing != null) {
                return existing;
            }
            if (parent.namedParameters().containsKey(name) || parent.namedBuffers().containsKey(name)) {
                return null;
            }
            return parent instanceof OnnxModule m ? m.module(name, new Scope()) : ((Scope) parent).add(name);
        }

        private Module add(String name) {
            return module(name, new Scope());
        }
    }

    /** Runs a graph of one input and one output. */
    @Override
    public Tensor forward(Tensor input) {
        if (graph.outputs().size() != 1) {
            throw new KilnException("this ONNX graph has " + graph.outputs().size() + " outputs " + graph.outputs() + ": call forward(List)");
        }
        return forward(List.of(input)).getFirst();
    }

    /**
     * Runs the graph on its inputs, in the order of {@link #inputNames()}; returns its outputs in order.
     *
     * @param inputs one tensor per graph input, with its declared dtype and dimensions (a dynamic axis fits any size)
     * @return the graph's outputs, in the order of {@link #outputNames()}
     * @throws KilnException if the number, dtype or shape of the inputs does not fit the graph's, or a node fails
     */
    public List<Tensor> forward(List<Tensor> inputs) {
        List<OnnxGraph.Input> declared = graph.inputs();
        if (inputs.size() != declared.size()) {
            throw new KilnException("this ONNX graph takes " + declared.size() + " input(s) " + inputNames() + ", got " + inputs.size(),
                    KilnException.userSite());
        }
        Map<String, Value> env = new HashMap<>(constants);
        weights.forEach((name, t) -> env.put(name, Value.of(t)));
        Device device = inputs.isEmpty() ? null : inputs.getFirst().device();
        for (int k = 0; k < inputs.size(); k++) {
            OnnxGraph.Input in = declared.get(k);
            Tensor t = inputs.get(k);
            if (t.dtype() != in.dtype() || !fits(in.dims(), t.shape().toArray())) {
                throw new KilnException("ONNX input '" + in.name() + "' expects " + in.dtype() + " " + dims(in.dims()) + ", got "
                        + t.dtype() + " " + t.shape(), KilnException.userSite());
            }
            env.put(in.name(), Value.of(t));
        }
        Evaluator evaluator = new Evaluator(device);
        for (Attrs a : graph.nodes()) {
            List<Value> in = new ArrayList<>();
            for (String name : a.node().getInputList()) {
                in.add(name.isEmpty() ? null : env.get(name));
            }
            List<Value> out;
            try {
                out = evaluator.run(a, in);
            } catch (KilnException e) {
                throw e.getMessage().startsWith("ONNX node") ? e : new KilnException(a.where() + ": " + e.getMessage(), e);
            }
            for (int k = 0; k < a.node().getOutputCount(); k++) {
                if (k >= out.size()) {
                    throw a.error("output " + k + " ('" + a.node().getOutput(k) + "') is not produced");
                }
                env.put(a.node().getOutput(k), out.get(k));
            }
        }
        List<Tensor> outputs = new ArrayList<>();
        for (String name : graph.outputs()) {
            outputs.add(env.get(name).tensor(device));
        }
        return outputs;
    }

    private static boolean fits(int[] declared, int[] actual) {
        if (declared.length != actual.length) {
            return false;
        }
        for (int d = 0; d < declared.length; d++) {
            if (declared[d] >= 0 && declared[d] != actual[d]) {
                return false;
            }
        }
        return true;
    }

    private static String dims(int[] dims) {
        return Arrays.toString(Arrays.stream(dims).mapToObj(d -> d < 0 ? "?" : Integer.toString(d)).toArray());
    }

    OnnxGraph graph() {
        return graph;
    }

    /**
     * The graph's input names, in the order forward takes them.
     *
     * @return the input names (initializers excluded)
     */
    public List<String> inputNames() {
        return graph.inputs().stream().map(OnnxGraph.Input::name).toList();
    }

    /**
     * The graph's output names, in the order forward returns them.
     *
     * @return the output names
     */
    public List<String> outputNames() {
        return graph.outputs();
    }

    /**
     * The declared dimensions of input {@code name}; -1 marks a dynamic axis.
     *
     * @param name an input's name, one of {@link #inputNames()}
     * @return a copy of its dimensions
     * @throws KilnException if the graph has no input of that name
     */
    public int[] inputShape(String name) {
        return input(name).dims().clone();
    }

    /**
     * The declared dtype of input {@code name}.
     *
     * @param name an input's name, one of {@link #inputNames()}
     * @return its dtype
     * @throws KilnException if the graph has no input of that name
     */
    public dev.kiln.DType inputDtype(String name) {
        return input(name).dtype();
    }

    private OnnxGraph.Input input(String name) {
        return graph.inputs().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new KilnException("this ONNX graph has no input '" + name + "'; its inputs are " + inputNames()));
    }

    /**
     * The ONNX opset the graph was written for.
     *
     * @return the default domain's opset version (13 to 17)
     */
    public int opset() {
        return graph.opset();
    }

    /**
     * A summary: producer, opset, inputs and outputs, operator counts, parameters.
     *
     * @return a multi-line, human-readable text
     */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append("ONNX graph '").append(graph.name()).append("' from ").append(graph.producer().strip()).append(", opset ").append(graph.opset()).append('\n');
        for (OnnxGraph.Input in : graph.inputs()) {
            s.append("  input  ").append(in.name()).append(": ").append(in.dtype()).append(' ').append(dims(in.dims())).append('\n');
        }
        for (String out : graph.outputs()) {
            s.append("  output ").append(out).append('\n');
        }
        Map<String, Integer> ops = new TreeMap<>();
        graph.nodes().forEach(a -> ops.merge(a.node().getOpType(), 1, Integer::sum));
        s.append("  ").append(graph.nodes().size()).append(" nodes: ");
        s.append(String.join(", ", ops.entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue()).toList()));
        long params = parameters().stream().mapToLong(Tensor::numel).sum();
        long state = buffers().stream().mapToLong(Tensor::numel).sum();
        s.append("\n  ").append(parameters().size()).append(" parameters (").append(params).append(" values), ")
                .append(buffers().size()).append(" buffers (").append(state).append(" values), ")
                .append(constants.size()).append(" folded constants\n");
        return s.toString();
    }

    @Override
    protected String extraRepr() {
        return "opset=" + graph.opset() + ", nodes=" + graph.nodes().size();
    }
}
