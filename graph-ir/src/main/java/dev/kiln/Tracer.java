package dev.kiln;

import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import dev.kiln.ir.TraceTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Runs a step on symbolic tensors and collects what it did as a {@link Traced}. Tracing changes
 * nothing: gradient fields it touches are restored, in-place writes become outputs.
 */
final class Tracer {
    private Tracer() {
    }

    /** A trace's graph as attached where the trace ended in the tree: for a repeat of the same calls returning the same nodes. */
    record Ending(List<Node> outputs, Graph graph, Graph.Structure key, List<Node> inputs) {
    }

    /** Traces {@code fn} on fresh graph builders. */
    static Traced trace(MultiStep fn, Tensor[] inputs) {
        return trace(fn, inputs, null, null);
    }

    /**
     * Traces {@code fn}; with a {@code tree}, against the tree of earlier traces (replaying their
     * nodes while the calls repeat), telling {@code attached} of each new ending.
     */
    static Traced trace(MultiStep fn, Tensor[] inputs, TraceTree tree, BiConsumer<Graph.Structure, TraceTree.Step> attached) {
        // anomaly mode records each node's user line, which replayed nodes would not have
        boolean recording = tree != null && !Kiln.isAnomalyDetectionEnabled();
        Trace trace = new Trace(recording ? GraphBuilder.recording(tree) : new GraphBuilder());
        Tensor[] symbolic = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            trace.noteDevice(inputs[i]);
            symbolic[i] = trace.input("input" + i, inputs[i].type());
        }
        Map<Tensor, Tensor> finalGrads = new IdentityHashMap<>(8);
        List<Tensor> out;
        try (var active = trace.activate(); var grad = Kiln.enableGrad()) {
            out = fn.apply(symbolic);
            if (out == null || out.isEmpty()) {
                throw new KilnException("the compiled function returned " + (out == null ? "null" : "no tensors")
                        + "; return a tensor (for example the loss)");
            }
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i) == null) {
                    throw new KilnException("the compiled function returned null as output " + i + "; return tensors");
                }
            }
            for (Tensor t : trace.gradChanges()) {
                finalGrads.put(t, t.grad());
            }
        } finally {
            trace.restoreGrads();
        }
        Tensor[] gradRead = trace.initialGradReads().toArray(new Tensor[0]);
        boolean[] gradWasNull = new boolean[gradRead.length];
        for (int i = 0; i < gradRead.length; i++) {
            gradWasNull[i] = gradRead[i].grad() == null;
        }
        GraphBuilder b = trace.builder();
        List<Node> outputs = new ArrayList<>(64);
        for (Tensor t : out) {
            outputs.add(trace.nodeOf(t));
        }
        List<Tensor> writeTargets = new ArrayList<>(32);
        trace.forEachWrite((t, n) -> {
            writeTargets.add(t);
            outputs.add(n);
        });
        List<GradEffect> gradEffects = new ArrayList<>(trace.gradChanges().size());
        for (Tensor t : trace.gradChanges()) {
            Tensor g = finalGrads.get(t);
            if (g == null) {
                gradEffects.add(new GradEffect.Clear(t));
            } else if (g.isSymbolic()) {
                gradEffects.add(new GradEffect.FromOutput(t, outputs.size()));
                outputs.add(trace.nodeOf(g));
            } else {
                gradEffects.add(new GradEffect.SetTo(t, g));
            }
        }
        TraceTree.Step end = recording ? b.end() : null;
        Ending ending = end != null && end.attachment() instanceof Ending e && e.outputs.equals(outputs) ? e : null;
        if (ending == null) {
            Graph graph = b.build(outputs);
            ending = new Ending(List.copyOf(outputs), graph, graph.structure(), graph.inputs());
            if (end != null) {
                // the latest graph that ended here is kept (a different one ending at the same step is rare)
                end.attach(ending);
                attached.accept(ending.key, end);
            }
        }
        // Input slots are numbered from 0 as the trace made them: slot k is the graph's k-th input.
        Binding[] bindings = new Binding[ending.inputs.size()];
        for (int i = 0; i < inputs.length; i++) {
            bindings[slot(symbolic[i].node())] = new Binding.Argument(i);
        }
        for (Tensor t : trace.capturedTensors()) {
            bindings[slot(trace.nodeOfCaptured(t))] = new Binding.Captured(t);
        }
        // static plans are reused across calls, so they also guard the captured tensors' requiresGrad,
        // dtype and shape; a dynamic trace is made for the call that runs it
        return new Traced(ending.graph, ending.key, trace.device(), out.size(), Arrays.asList(bindings), writeTargets, gradEffects, gradRead,
                gradWasNull, trace.generatorUses(), trace.gradientRanges(), tree == null, trace.guards());
    }

    private static int slot(Node input) {
        return ((Leaf.Input) input.op()).slot();
    }
}
