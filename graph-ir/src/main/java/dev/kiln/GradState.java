package dev.kiln;

/**
 * A tensor's autograd state: whether it requires grad, the gradient accumulated into it, and the
 * recorded op that made it. Created on a tensor's first use of autograd, so plain values carry none.
 * Gradient changes made while a trace is active are reported to it (tracing restores them).
 */
final class GradState {
    boolean requiresGrad;
    Tensor grad;
    GradFn gradFn;

    void requireGrad(Tensor self, boolean on) {
        if (gradFn != null && !on) {
            throw new KilnException("requiresGrad_(false) on a tensor computed from tensors that require grad;"
                    + " use detach() to get one that does not");
        }
        if (on && !self.dtype().isFloating()) {
            throw new KilnException("only floating-point tensors can require gradients, this one is " + self.dtype());
        }
        requiresGrad = on;
    }

    void clear(Tensor self) {
        noteChange(self);
        grad = null;
    }

    void set(Tensor self, Tensor g) {
        if (g == null) {
            throw new KilnException("setGrad(null): use clearGrad() to clear a gradient");
        }
        if (!g.shape().equals(self.shape())) {
            throw new KilnException("gradient of shape " + g.shape() + " assigned to a tensor of shape " + self.shape());
        }
        noteChange(self);
        grad = g;
    }

    /** Post-accumulate hooks, in registration order (null while none). */
    java.util.List<java.util.function.Consumer<Tensor>> hooks;

    void accumulate(Tensor self, Tensor g) {
        Trace t = Trace.active();
        if (t != null) {
            t.noteInitialGradRead(self);
        }
        noteChange(self);
        grad = grad == null ? g : grad.add(g);
        if (hooks != null) {
            for (java.util.function.Consumer<Tensor> h : hooks) { // copy-on-write: a hook may remove itself
                h.accept(self);
            }
        }
    }

    /** Made by {@code fn} (a recorded op): the tensor then requires grad. */
    void madeBy(GradFn fn) {
        gradFn = fn;
        requiresGrad = fn != null || requiresGrad;
    }

    /** The history (not the gradient), for a second handle on the same value. */
    GradState history() {
        GradState h = new GradState(); // hooks stay with the tensor they were registered on
        h.requiresGrad = requiresGrad;
        h.gradFn = gradFn;
        return h;
    }

    private static void noteChange(Tensor self) {
        Trace t = Trace.active();
        if (t != null) {
            t.noteGradChange(self);
        }
    }
}
