package dev.kiln;

import dev.kiln.ir.Node;

/**
 * A tensor's place in traces. A symbolic tensor stands for {@code node} of {@code trace} (an
 * in-place op on it rebinds the node); a concrete tensor keeps, as a {@link Memo}, its node in the
 * trace that last read it.
 */
final class TraceState {
    final Trace trace;
    Node node;
    /** For a symbolic tensor made by a movement: the movement and the tensor it moved; null otherwise. */
    dev.kiln.ir.Movement movedBy;
    Tensor movedFrom;

    TraceState(Trace trace, Node node) {
        this.trace = trace;
        this.node = node;
    }

    /**
     * A concrete tensor's node in the trace that last read it (a memo of that trace's maps): one
     * immutable pair, so threads tracing at once can never pair one trace with another's node.
     */
    record Memo(Trace trace, Node node) {
        /** The node, if this memo is of trace {@code t}; else null. */
        Node in(Trace t) {
            return trace == t ? node : null;
        }
    }
}
