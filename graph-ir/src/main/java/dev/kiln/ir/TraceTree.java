package dev.kiln.ir;

import java.util.Arrays;

/**
 * The node-building calls of earlier traces, as a tree: traces that begin alike share their first
 * steps, and a trace that ends where an earlier one ended carries what was attached there (its
 * compiled plan). A {@linkplain GraphBuilder#recording recording builder} walks this tree while
 * the traced code makes the same calls, handing back the nodes made the first time instead of
 * building, inferring and interning new ones; at the first call that differs it builds for real
 * from there on, and grows a new branch.
 *
 * <p>Not thread-safe; owned by one compiled function.
 */
public final class TraceTree {
    private static final Step[] NONE = new Step[0];

    final Step root = new Step(null, null, null, null, false, null, null, null);
    private int steps;

    /** How many steps the tree holds (a measure of its memory). */
    public int size() {
        return steps;
    }

    /** Removes the attachment of {@code end} and every step that no longer leads to one. */
    public void prune(Step end) {
        end.attachment = null;
        Step s = end;
        while (s != root && s.next.length == 0 && s.attachment == null) {
            s.parent.remove(s);
            steps--;
            s = s.parent;
        }
    }

    Step append(Step at, Op op, Node[] inputs, Node result, boolean fresh) {
        steps++;
        return at.add(new Step(at, op, inputs, result, fresh, null, null, null));
    }

    Step appendMemo(Step at, Object key, Object value, Node[] made) {
        steps++;
        return at.add(new Step(at, null, null, null, false, key, value, made));
    }

    /**
     * One step of a trace: an {@code add(op, inputs)} call and the node it returned (new, or an
     * equal one already there), or a memoized computation (its key, value and the nodes it made).
     */
    public static final class Step {
        final Step parent;
        final Op op;
        final Node[] inputs;
        final Node result;
        final boolean fresh;
        final Object memoKey;
        final Object memoValue;
        final Node[] made;
        private Step[] next = NONE;
        private Object attachment;

        private Step(Step parent, Op op, Node[] inputs, Node result, boolean fresh, Object memoKey, Object memoValue,
                Node[] made) {
            this.parent = parent;
            this.op = op;
            this.inputs = inputs;
            this.result = result;
            this.fresh = fresh;
            this.memoKey = memoKey;
            this.memoValue = memoValue;
            this.made = made;
        }

        /** What a trace ending here left (for example its compiled plan), or null. */
        public Object attachment() {
            return attachment;
        }

        public void attach(Object value) {
            this.attachment = value;
        }

        Step match(Op op, Node[] in) {
            for (Step s : next) {
                if (s.op != null && s.inputs.length == in.length && sameNodes(s.inputs, in) && s.op.equals(op)) {
                    return s;
                }
            }
            return null;
        }

        Step matchMemo(Object key) {
            for (Step s : next) {
                if (s.op == null && s.memoKey.equals(key)) {
                    return s;
                }
            }
            return null;
        }

        private static boolean sameNodes(Node[] a, Node[] b) {
            for (int i = 0; i < a.length; i++) {
                if (a[i] != b[i]) {
                    return false;
                }
            }
            return true;
        }

        private Step add(Step s) {
            next = Arrays.copyOf(next, next.length + 1);
            next[next.length - 1] = s;
            return s;
        }

        private void remove(Step s) {
            for (int i = 0; i < next.length; i++) {
                if (next[i] == s) {
                    Step[] shorter = new Step[next.length - 1];
                    System.arraycopy(next, 0, shorter, 0, i);
                    System.arraycopy(next, i + 1, shorter, i, next.length - i - 1);
                    next = shorter;
                    return;
                }
            }
        }
    }
}
