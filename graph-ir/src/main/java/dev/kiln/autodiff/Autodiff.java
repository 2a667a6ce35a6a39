package dev.kiln.autodiff;

import dev.kiln.Tensor;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation as a graph transform: appends to a graph the nodes that compute
 * the gradient of one output with respect to chosen nodes. One VJP rule per primitive
 * ({@link VjpRules}), written in IR ops, so the result can itself be differentiated.
 */
public final class Autodiff {
    private Autodiff() {
    }

    /**
     * The result: one gradient node per requested node (null where the output does not depend on
     * it); the forward node whose rule made each new node; and the concrete tensors that custom
     * functions' traced backward passes captured, by the input node that stands for each.
     */
    public record Gradients(List<Node> grads, Map<Node, Node> origin, Map<Node, Tensor> captured) {
    }

    /**
     * Appends to {@code b} the gradients of {@code output} with respect to {@code wrt}, given
     * {@code seed}, the gradient flowing into {@code output} (same type as it). Contributions of a
     * node used several times are summed; broadcasting is undone by summing to the input's shape.
     * {@code origin} maps each new node to the forward node whose rule made it (in anomaly mode).
     */
    public static Gradients gradients(GraphBuilder b, Node output, List<Node> wrt, Node seed) {
        if (!seed.type().equals(output.type())) {
            throw new IllegalArgumentException("seed " + seed.type() + " does not match output " + output.type());
        }
        List<Node> forward = new ArrayList<>(b.nodes());
        Set<Node> relevant = relevant(forward, output, wrt);
        Map<Node, Node> grads = new IdentityHashMap<>();
        Map<Node, Node> origin = new IdentityHashMap<>();
        boolean trackOrigin = dev.kiln.Kiln.isAnomalyDetectionEnabled(); // only anomaly mode reads it
        Map<Node, Tensor> captured = new IdentityHashMap<>();
        Ops ops = new Ops(b);
        if (relevant.contains(output)) {
            grads.put(output, seed);
        }
        int end = forward.indexOf(output);
        for (int i = end; i >= 0; i--) {
            Node n = forward.get(i);
            Node g = grads.get(n);
            if (g == null || n.inputs().isEmpty()) {
                continue;
            }
            boolean[] needed = new boolean[n.inputs().size()];
            boolean any = false;
            for (int k = 0; k < needed.length; k++) {
                needed[k] = relevant.contains(n.input(k));
                any |= needed[k];
            }
            if (!any) {
                continue;
            }
            int before = b.nodes().size();
            Node[] inputGrads = VjpRules.vjp(ops, n, g, needed, captured);
            for (int k = 0; k < needed.length; k++) {
                if (needed[k] && inputGrads[k] != null) {
                    Node in = n.input(k);
                    Node prev = grads.get(in);
                    grads.put(in, prev == null ? inputGrads[k] : ops.add(prev, inputGrads[k]));
                }
            }
            if (trackOrigin) {
                for (int k = before; k < b.nodes().size(); k++) {
                    origin.putIfAbsent(b.nodes().get(k), n);
                }
            }
        }
        List<Node> result = new ArrayList<>(wrt.size());
        for (Node w : wrt) {
            result.add(grads.get(w));
        }
        return new Gradients(result, origin, captured);
    }

    /**
     * The gradient graph of a scalar output: the forward graph extended with its gradients
     * w.r.t. {@code wrt}, whose outputs are those gradients (zeros where the output does not depend on one).
     */
    public static Graph gradientGraph(Graph forward, Node output, List<Node> wrt) {
        if (output.shape().rank() != 0) {
            throw new IllegalArgumentException("gradientGraph needs a 0-d output, got " + output.type()
                    + "; use gradients(...) with a seed for others");
        }
        GraphBuilder b = new GraphBuilder(forward);
        Ops ops = new Ops(b);
        Node seed = ops.constant(1.0, output.dtype());
        List<Node> grads = gradients(b, output, wrt, seed).grads();
        List<Node> outs = new ArrayList<>();
        for (int i = 0; i < wrt.size(); i++) {
            outs.add(grads.get(i) != null ? grads.get(i) : ops.zerosLike(wrt.get(i)));
        }
        return b.build(outs);
    }

    /** Nodes on a path from some {@code wrt} node to {@code output}, through floating values only. */
    private static Set<Node> relevant(List<Node> nodes, Node output, List<Node> wrt) {
        Set<Node> fromWrt = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Node> wrtSet = Collections.newSetFromMap(new IdentityHashMap<>());
        wrtSet.addAll(wrt);
        for (Node n : nodes) {
            if (!n.dtype().isFloating()) {
                continue;
            }
            boolean on = wrtSet.contains(n);
            for (int k = 0; !on && k < n.inputs().size(); k++) {
                on = fromWrt.contains(n.input(k));
            }
            if (on) {
                fromWrt.add(n);
            }
        }
        Set<Node> result = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> stack = new ArrayList<>();
        if (fromWrt.contains(output)) {
            stack.add(output);
            result.add(output);
        }
        while (!stack.isEmpty()) {
            Node n = stack.removeLast();
            for (Node in : n.inputs()) {
                if (fromWrt.contains(in) && result.add(in)) {
                    stack.add(in);
                }
            }
        }
        return result;
    }
}
