package dev.kiln.cpu;

import dev.kiln.Executable;
import dev.kiln.TensorData;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Leaf;
import dev.kiln.ir.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A graph run by the reference interpreter, node by node. */
final class InterpretedPlan implements Executable {
    private final Graph graph;
    private final int[] slots;

    InterpretedPlan(Graph graph) {
        this.graph = graph;
        List<Node> inputs = graph.inputs();
        this.slots = new int[inputs.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = ((Leaf.Input) inputs.get(i).op()).slot();
        }
    }

    @Override
    public List<TensorData> run(List<TensorData> inputs) {
        Map<Integer, TensorData> bySlot = new HashMap<>();
        for (int i = 0; i < slots.length; i++) {
            bySlot.put(slots[i], inputs.get(i));
        }
        return Interpreter.run(graph, bySlot);
    }

    @Override
    public String describe() {
        return "interpreted, " + graph.nodes().size() + " nodes\n";
    }
}
