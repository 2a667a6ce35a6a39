package dev.kiln;

import dev.kiln.spi.TensorData;

import dev.kiln.spi.Executable;

import dev.kiln.autodiff.Autodiff;
import dev.kiln.cache.BoundedCache;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.pass.Pipeline;
import dev.kiln.ir.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Eager backward. The tape is IR: the tensors reachable from the output through their recorded
 * ops become a {@link dev.kiln.ir.Graph}, {@link Autodiff} appends the gradient nodes, and those
 * nodes run as ordinary ops (recorded too when {@code createGraph} is set, so gradients of
 * gradients work).
 *
 * <p>Lifetime: backward frees the saved inputs of every op it went through unless
 * {@code retainGraph} is set; a second backward through the freed part fails with a clear
 * message, as in PyTorch. Nothing is written to any {@code grad()} until every gradient has
 * been computed, so a failing backward leaves all gradients as they were.
 */
public final class Autograd {
    /** Compiled backward plans by graph structure (compared in full) and device, shared by all threads, at most 256. */
    private static final BoundedCache<PlanKey, Executable> BACKWARD_PLANS = new BoundedCache<>(
            "the eager backward-plan cache", 256);

    private record PlanKey(Graph.Structure structure, Device device) {
    }

    private Autograd() {
    }

    /**
     * As {@code torch.autograd.backward}: adds d(output)/d(leaf) to the {@code grad()} of every leaf that requires
     * grad and is reached from {@code output}; no {@code grad()} changes if it fails.
     *
     * @param output the tensor to differentiate; it must require grad
     * @param gradient d(loss)/d(output), of {@code output}'s shape (converted to its dtype); null for a one-element
     *     output, meaning ones
     * @param retainGraph keep the saved inputs of the ops gone through, so that a second backward can go through them
     * @param createGraph record the gradient computation too, so gradients can be differentiated again (implies
     *     {@code retainGraph})
     * @throws KilnException if {@code output} does not require grad, {@code gradient} is null for an output of more
     *     than one element or has another shape, or the graph was freed by an earlier backward
     */
    public static void backward(Tensor output, Tensor gradient, boolean retainGraph, boolean createGraph) {
        Tape tape = Tape.record(output, "backward");
        List<Tensor> leaves = tape.leaves();
        List<Tensor> grads = tape.differentiate(output, gradient, leaves, createGraph, "backward");
        if (!retainGraph && !createGraph) {
            tape.release();
        }
        for (int i = 0; i < leaves.size(); i++) {
            if (grads.get(i) != null) {
                leaves.get(i).accumulateGrad(grads.get(i));
            }
        }
    }

    /**
     * The gradients of a one-element {@code output} with respect to {@code inputs}, without touching any
     * {@code grad()}, as {@code torch.autograd.grad(output, inputs)}; the graph is freed afterwards.
     *
     * @param output a one-element tensor that requires grad
     * @param inputs the tensors (leaves or intermediate) to differentiate with respect to; each must have been used
     * @return d(output)/d(input) for each input, in order, each of that input's shape
     * @throws KilnException if {@code output} does not require grad or has more than one element, or an input was
     *     not used to compute it
     */
    public static List<Tensor> grad(Tensor output, Tensor... inputs) {
        return grad(output, List.of(inputs), null, false, false);
    }

    /**
     * The gradients of {@code output} with respect to {@code inputs} (leaves or intermediate
     * tensors), given {@code gradOutput} (null for a one-element output). With {@code createGraph}
     * the results carry history and can be differentiated again. As {@code torch.autograd.grad}.
     *
     * @param output the tensor to differentiate; it must require grad
     * @param inputs the tensors to differentiate with respect to; each must have been used to compute {@code output}
     * @param gradOutput d(loss)/d(output), of {@code output}'s shape; null for a one-element output, meaning ones
     * @param retainGraph keep the graph's saved inputs for another backward
     * @param createGraph record the gradient computation, so the results can be differentiated again
     * @return one gradient per input, in order, each of that input's shape
     * @throws KilnException if {@code output} does not require grad, {@code gradOutput} is missing or of another
     *     shape, or an input was not used to compute {@code output}
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs, Tensor gradOutput, boolean retainGraph,
            boolean createGraph) {
        return grad(output, inputs, gradOutput, retainGraph, createGraph, false);
    }

    /**
     * As {@link #grad(Tensor, List, Tensor, boolean, boolean)}; with {@code allowUnused}, unused inputs get null
     * instead of an error ({@code torch.autograd.grad}'s {@code allow_unused}).
     *
     * @param output the tensor to differentiate; it must require grad
     * @param inputs the tensors to differentiate with respect to
     * @param gradOutput d(loss)/d(output), of {@code output}'s shape; null for a one-element output, meaning ones
     * @param retainGraph keep the graph's saved inputs for another backward
     * @param createGraph record the gradient computation, so the results can be differentiated again
     * @param allowUnused give null for an input not used to compute {@code output} (or not requiring grad) instead of
     *     failing
     * @return one gradient per input, in order, each of that input's shape, or null where unused and allowed
     * @throws KilnException if {@code output} does not require grad, {@code gradOutput} is missing or of another shape,
     *     or an input is unused and {@code allowUnused} is false
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs, Tensor gradOutput, boolean retainGraph,
            boolean createGraph, boolean allowUnused) {
        Tape tape = Tape.record(output, "grad");
        List<Tensor> grads = tape.differentiate(output, gradOutput, inputs, createGraph, "grad");
        for (int i = 0; i < grads.size() && !allowUnused; i++) {
            if (grads.get(i) == null) {
                throw new KilnException("grad: input " + i + " (shape " + inputs.get(i).shape()
                        + ") was not used to compute the output, or does not require grad;"
                        + " pass allowUnused = true to get null for it");
            }
        }
        if (!retainGraph && !createGraph) {
            tape.release();
        }
        return grads;
    }

    /** The recorded ops reachable from one output, as a graph with each node bound to its tensor. */
    private static final class Tape {
        private final GraphBuilder builder = new GraphBuilder();
        private final Map<Tensor, Node> nodeOf = new IdentityHashMap<>();
        private final Map<Node, Tensor> valueOf = new IdentityHashMap<>();
        private final Map<Tensor, Integer> expectedVersion = new IdentityHashMap<>();
        private final List<Tensor> leaves = new ArrayList<>();
        private final List<GradFn> visited = new ArrayList<>();

        static Tape record(Tensor output, String what) {
            if (!output.requiresGrad()) {
                throw new KilnException(what + ": the tensor does not require grad and has no recorded history;"
                        + " set requiresGrad_(true) on its leaves, and do not compute it inside Kiln.noGrad()");
            }
            Tape tape = new Tape();
            tape.visit(output, what);
            return tape;
        }

        /** Iterative post-order walk, so long chains of ops cannot overflow the stack. */
        private void visit(Tensor root, String what) {
            List<Tensor> stack = new ArrayList<>();
            stack.add(root);
            while (!stack.isEmpty()) {
                Tensor t = stack.getLast();
                if (nodeOf.containsKey(t)) {
                    stack.removeLast();
                    continue;
                }
                GradFn fn = t.gradFn();
                if (fn == null) {
                    stack.removeLast();
                    String label = t.requiresGrad() ? "leaf" : "const";
                    bind(t, builder.input(label, t.type()));
                    if (t.requiresGrad()) {
                        leaves.add(t);
                    }
                    continue;
                }
                Tensor[] inputs = fn.inputs();
                if (inputs == null) {
                    throw new KilnException(what + ": trying to go backward through the graph a second time (or to"
                            + " use its tensors after backward freed them); pass retainGraph = true to"
                            + " Autograd.backward the first time if you need to");
                }
                boolean ready = true;
                for (Tensor in : inputs) {
                    if (!nodeOf.containsKey(in)) {
                        stack.add(in);
                        ready = false;
                    }
                }
                if (ready) {
                    stack.removeLast();
                    Node[] ins = new Node[inputs.length];
                    for (int i = 0; i < inputs.length; i++) {
                        ins[i] = nodeOf.get(inputs[i]);
                        expectedVersion.merge(inputs[i], fn.version(i), (a, b) -> a.equals(b) ? a : -1);
                    }
                    visited.add(fn);
                    bind(t, builder.add(fn.op, ins));
                }
            }
        }

        private void bind(Tensor t, Node n) {
            nodeOf.put(t, n);
            valueOf.putIfAbsent(n, t);
        }

        List<Tensor> leaves() {
            return leaves;
        }

        /** Builds and runs the gradient graph; returns one gradient per tensor in {@code wrt} (null where unreached). */
        List<Tensor> differentiate(Tensor output, Tensor gradient, List<Tensor> wrt, boolean createGraph, String what) {
            Tensor seed = seed(output, gradient, what);
            Node seedNode = builder.input("grad", output.type());
            valueOf.put(seedNode, seed);
            List<Node> wrtNodes = new ArrayList<>(wrt.size());
            for (Tensor w : wrt) {
                Node n = nodeOf.get(w);
                if (n == null) {
                    n = builder.input("unused", w.type()); // not reached from the output: its gradient is null
                }
                wrtNodes.add(n);
            }
            Autodiff.Gradients g = Autodiff.gradients(builder, nodeOf.get(output), wrtNodes, seedNode);
            g.captured().forEach(valueOf::putIfAbsent);
            Map<Node, Tensor> values = execute(g, createGraph);
            List<Tensor> result = new ArrayList<>(wrt.size());
            for (Node n : g.grads()) {
                result.add(n == null ? null : values.get(n));
            }
            return result;
        }

        private static Tensor seed(Tensor output, Tensor gradient, String what) {
            if (gradient == null) {
                if (output.numel() != 1) {
                    throw new KilnException(what + ": the output has shape " + output.shape() + "; a gradient can only"
                            + " be implied for a one-element output, so pass one of shape " + output.shape());
                }
                return Tensor.ones(output.shape(), output.dtype());
            }
            if (!gradient.shape().equals(output.shape())) {
                throw new KilnException(what + ": the gradient has shape " + gradient.shape()
                        + " but the output has shape " + output.shape());
            }
            return gradient.detach().to(output.dtype());
        }

        /** Runs the gradient nodes needed for the result, reading the forward values the tape bound. */
        private Map<Node, Tensor> execute(Autodiff.Gradients g, boolean createGraph) {
            Set<Node> needed = Collections.newSetFromMap(new IdentityHashMap<>());
            List<Node> stack = new ArrayList<>();
            for (Node n : g.grads()) {
                if (n != null && needed.add(n)) {
                    stack.add(n);
                }
            }
            while (!stack.isEmpty()) {
                Node n = stack.removeLast();
                if (valueOf.containsKey(n)) {
                    checkVersion(n);
                    continue;
                }
                for (Node in : n.inputs()) {
                    if (needed.add(in)) {
                        stack.add(in);
                    }
                }
            }
            boolean anomaly = Kiln.isAnomalyDetectionEnabled();
            Device device = anomaly || createGraph ? null : oneDevice();
            if (device != null) {
                return executeCompiled(g, needed, device);
            }
            Map<Node, Tensor> values = new IdentityHashMap<>(valueOf);
            try (var mode = createGraph ? Kiln.enableGrad() : Kiln.noGrad()) {
                for (Node n : builder.nodes()) {
                    if (!needed.contains(n) || values.containsKey(n)) {
                        continue;
                    }
                    Tensor[] ins = new Tensor[n.inputs().size()];
                    for (int i = 0; i < ins.length; i++) {
                        ins[i] = values.get(n.input(i));
                    }
                    Tensor v = Dispatch.apply(n.op(), ins);
                    if (anomaly) {
                        checkFinite(v, g.origin().get(n));
                    }
                    values.put(n, v);
                }
            }
            return values;
        }

        /** {@code l}'s shape with 1 wherever it broadcasts (stride 0 over more than one element). */
        private static Shape unbroadcast(dev.kiln.spi.Layout l) {
            int[] dims = l.shape().toArray();
            for (int d = 0; d < dims.length; d++) {
                if (l.stride(d) == 0 && dims[d] > 1) {
                    dims[d] = 1;
                }
            }
            return Shape.of(dims);
        }

        /**
         * A forward value the gradient plan reads, as a node of {@code b}: an input bound to the value,
         * except that one element broadcast (a scalar operand expanded to its partner's shape, {@code
         * x.pow(2)}'s exponent) is bound as that one element and expanded in the plan, not copied out
         * to the full shape; and a power's exponent that needs no gradient and is one {@link
         * dev.kiln.ir.Binary.Pow#compiledExponent} accepts is compiled in as a constant, so the plan (cached per exponent) multiplies instead of
         * calling {@code pow} per element, as a compiled step does.
         */
        private static Node bindValue(GraphBuilder b, Node n, Tensor value, boolean exponent, List<TensorData> bound) {
            TensorData data = value.data();
            dev.kiln.spi.Layout l = data.layout();
            boolean scalar = n.type().shape().rank() == 0;
            boolean broadcastOne = !scalar;
            for (int d = 0; broadcastOne && d < l.shape().rank(); d++) {
                broadcastOne = l.stride(d) == 0;
            }
            if (!scalar && !broadcastOne) {
                Shape compact = unbroadcast(l);
                if (compact.equals(l.shape())) {
                    bound.add(value.contiguous().data());
                    return b.input("value", n.type());
                }
                // a broadcast view (a convolution's window index over batch and channels) is bound as
                // its distinct elements and expanded in the plan, not copied out whole
                Tensor base = new Tensor(new TensorData(data.storage(), new dev.kiln.spi.Layout(compact, l.strides(), l.offset())), true);
                bound.add(base.contiguous().data());
                Node in = b.input("value", new dev.kiln.ir.TensorType(compact, value.dtype()));
                return b.add(new dev.kiln.ir.Movement.Expand(n.type().shape()), in);
            }
            TensorData element = new TensorData(data.storage(), new dev.kiln.spi.Layout(Shape.scalar(), new int[0], l.offset()));
            double v = Backends.host(element).getDouble(0);
            Node one;
            if (exponent && !value.requiresGrad() && value.dtype().isFloating() && dev.kiln.ir.Binary.Pow.compiledExponent(v)) {
                one = b.add(new dev.kiln.ir.Leaf.Constant(v, value.dtype()));
            } else {
                bound.add(element);
                one = b.input("value", new dev.kiln.ir.TensorType(Shape.scalar(), value.dtype()));
            }
            return broadcastOne ? b.add(new dev.kiln.ir.Movement.Expand(n.type().shape()), one) : one;
        }

        /**
         * The device every value the gradients read is on (scalars go with any), where the
         * gradient graph compiles; null when they are on several, and backward runs op by op.
         */
        private Device oneDevice() {
            Device d = null;
            for (Tensor t : valueOf.values()) {
                Device here = t.device();
                if (t.joinsAnyDevice() || here.equals(d)) {
                    continue;
                }
                if (d != null) {
                    return null;
                }
                d = here;
            }
            return d == null ? Device.CPU : d;
        }

        /**
         * Runs the gradient nodes as one compiled plan: the forward values they read become inputs,
         * and the plan is cached by the graph's structure (per thread, since a plan's buffers are
         * reused), so a training loop compiles its backward once per distinct graph.
         */
        private Map<Node, Tensor> executeCompiled(Autodiff.Gradients g, Set<Node> needed, Device device) {
            GraphBuilder b = new GraphBuilder();
            Map<Node, Node> map = new IdentityHashMap<>();
            List<TensorData> bound = new ArrayList<>();
            Set<Node> exponents = Collections.newSetFromMap(new IdentityHashMap<>()); // powers' exponents
            for (Node n : builder.nodes()) {
                if (n.op() instanceof dev.kiln.ir.Binary.Pow) {
                    exponents.add(n.input(1));
                }
            }
            for (Node n : builder.nodes()) {
                if (!needed.contains(n)) {
                    continue;
                }
                Tensor value = valueOf.get(n);
                if (value != null) {
                    map.put(n, bindValue(b, n, value, exponents.contains(n), bound));
                    continue;
                }
                Node[] ins = new Node[n.inputs().size()];
                for (int i = 0; i < ins.length; i++) {
                    ins[i] = map.get(n.input(i));
                }
                map.put(n, b.add(n.op(), ins));
            }
            List<Node> outputs = new ArrayList<>();
            for (Node grad : g.grads()) {
                if (grad != null) {
                    outputs.add(map.get(grad));
                }
            }
            Graph graph = b.build(outputs);
            Executable exe = BACKWARD_PLANS.get(new PlanKey(graph.structure(), device),
                    k -> Backends.of(device).compile(device, Pipeline.standard(false).run(graph)));
            Map<Node, Tensor> values = new IdentityHashMap<>();
            // closing the run drops its inputs: the cached plan keeps no activations alive
            try (Executable.Run run = exe.open()) {
                for (int k = 0; k < bound.size(); k++) {
                    TensorData d = bound.get(k);
                    run.input(k, d.device().equals(device) ? d : Backends.transfer(d, device));
                }
                run.run();
                int i = 0; // output i is the i-th gradient that is not null
                for (Node grad : g.grads()) {
                    if (grad == null) {
                        continue;
                    }
                    if (!values.containsKey(grad)) {
                        // the run's buffers go back to the pool: copy out
                        TensorData result = run.output(i);
                        TensorData copy = Backends.allocate(device, result.shape(), result.dtype());
                        Backends.copy(result, copy);
                        values.put(grad, Tensor.wrap(copy));
                    }
                    i++;
                }
            }
            return values;
        }

        private void checkVersion(Node n) {
            Tensor t = valueOf.get(n);
            Integer expected = expectedVersion.get(t);
            if (expected == null) { // not read by any recorded op (the gradient seed, for one)
                return;
            }
            int now = t.data().storage().version();
            if (expected != now) {
                String producer = t.gradFn() == null ? "a leaf" : "the output of " + t.gradFn().op.name();
                throw new KilnException("one of the tensors needed for gradient computation was modified by an"
                        + " in-place operation: " + producer + " of shape " + t.shape() + " is at version " + now
                        + ", expected version " + (expected < 0 ? "unchanged" : expected)
                        + "; change it out of place, or in place only after backward");
            }
        }

        private void checkFinite(Tensor v, Node forward) {
            if (!v.dtype().isFloating()) {
                return;
            }
            for (double x : v.toDoubleArray()) {
                if (!Double.isFinite(x)) {
                    Tensor t = forward == null ? null : valueOf.get(forward);
                    String site = t == null || t.gradFn() == null ? null : t.gradFn().site;
                    String op = forward == null ? "?" : forward.op().name();
                    throw new KilnException("anomaly: the backward of '" + op + "' produced " + x
                            + " values in its gradient; the forward op was created here", site);
                }
            }
        }

        void release() {
            for (GradFn fn : visited) {
                fn.release();
            }
        }
    }
}
