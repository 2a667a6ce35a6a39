package dev.kiln.ir;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The text form of a graph, one line per node, numbered by position so it is stable:
 * <pre>
 * %0 = input #0 "x" : f32[2000]
 * %1 = const 2.0 : f32[]
 * %2 = expand(%1) [2000] : f32[2000]
 * %3 = mul(%0, %2) : f32[2000]
 * return %3
 * </pre>
 */
public final class GraphText {
    private GraphText() {
    }

    public static String print(Graph g) {
        return print(g, slot -> null);
    }

    /** The text form with input slot {@code k} labelled {@code label.apply(k)} where that is not null. */
    public static String print(Graph g, java.util.function.IntFunction<String> label) {
        Map<Node, Integer> number = new IdentityHashMap<>();
        StringBuilder sb = new StringBuilder();
        for (Node n : g.nodes()) {
            number.put(n, number.size());
            sb.append('%').append(number.get(n)).append(" = ").append(n.op().name());
            if (!n.inputs().isEmpty()) {
                StringJoiner args = new StringJoiner(", ", "(", ")");
                for (Node in : n.inputs()) {
                    args.add("%" + number.get(in));
                }
                sb.append(args);
            }
            String attrs = n.op() instanceof Leaf.Input in && label.apply(in.slot()) != null
                    ? "#" + in.slot() + " \"" + label.apply(in.slot()) + "\"" : n.op().attributes();
            if (!attrs.isEmpty()) {
                sb.append(' ').append(attrs);
            }
            sb.append(" : ").append(n.type()).append('\n');
        }
        StringJoiner outs = new StringJoiner(", ", "return ", "\n");
        for (Node o : g.outputs()) {
            outs.add("%" + number.get(o));
        }
        return sb.append(outs).toString();
    }
}
