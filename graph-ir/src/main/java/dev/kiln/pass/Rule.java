package dev.kiln.pass;

import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;

/** A named rewrite: returns the replacement for a node, or null when it does not apply. */
public record Rule(String name, Rewrite rewrite) {
    @FunctionalInterface
    public interface Rewrite {
        Node apply(Ops ops, Node n);
    }
}
