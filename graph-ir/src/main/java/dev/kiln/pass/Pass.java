package dev.kiln.pass;

import dev.kiln.ir.Graph;

/** A pure graph transformation with a name (for logs and verifier messages). */
public interface Pass {
    String name();

    Graph apply(Graph g);

    static Pass of(String name, java.util.function.UnaryOperator<Graph> f) {
        return new Pass() {
            public String name() {
                return name;
            }

            public Graph apply(Graph g) {
                return f.apply(g);
            }
        };
    }
}
