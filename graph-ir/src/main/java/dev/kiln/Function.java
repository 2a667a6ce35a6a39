package dev.kiln;

import dev.kiln.internal.Functions;
import dev.kiln.internal.Functions.TracedVjp;
import dev.kiln.spi.TensorData;

import dev.kiln.ir.Barrier;
import dev.kiln.ir.Call;
import dev.kiln.ir.Invocation;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A custom autograd function, as PyTorch's {@code torch.autograd.Function}: subclass it with your
 * own {@code forward} and {@code backward}, both written in tensor ops, and call {@link #apply}.
 * In the IR a call is one node; its VJP is your backward, traced into the gradient graph, so it is
 * differentiable again (double backward) unless {@link #onceDifferentiable()} says otherwise.
 */
public abstract class Function {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    static {
        // autodiff and the interpreter reach a call's function through the internal bridge, not public members
        Functions.install(new Functions.Access() {
            @Override
            public TensorData evaluate(Call call, List<TensorData> inputs) {
                return context(call).function.evaluate(inputs);
            }

            @Override
            public TracedVjp traceBackward(Ops ops, Node call, Node grad, boolean[] needed) {
                return context((Call) call.op()).function.traceBackward(ops, call, grad, needed);
            }
        });
    }

    /**
     * An anonymous subclass's name for errors and graph text (its simple name is empty): where it was
     * written, {@code anonymous Function at MyTest.java:42}; null for a named class, which goes by its simple name.
     */
    private final String anonymousName = getClass().isAnonymousClass() ? anonymousName(getClass()) : null;

    /** A function; subclasses hold whatever settings their forward and backward need. */
    public Function() {
    }

    /**
     * Computes the output; runs with grad mode off. Save what backward needs with {@link Context#saveForBackward}.
     *
     * @param ctx this call's context, to save tensors for backward
     * @param inputs the tensors given to {@link #apply}
     * @return the output, never null
     */
    protected abstract Tensor forward(Context ctx, Tensor... inputs);

    /**
     * The gradient of each input given the gradient of the output: one entry per input of
     * forward, each of that input's shape, or null for inputs that need none.
     *
     * @param ctx the forward call's context, with its saved tensors
     * @param gradOutput d(loss)/d(output), of the output's shape
     * @return one gradient per input of forward: of that input's shape (or a shape that broadcasts to it, summed
     *     back as in PyTorch), or null for no gradient
     */
    protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

    /**
     * Whether backward is not itself differentiable (PyTorch's {@code @once_differentiable}); a second derivative
     * then fails clearly. False unless overridden.
     *
     * @return true to forbid differentiating backward
     */
    protected boolean onceDifferentiable() {
        return false;
    }

    /**
     * Applies the function, as {@code Function.apply}: runs forward now and, when grad mode is on, some input
     * requires grad and the output is floating, records one node for autograd whose gradient is {@link #backward}.
     * While tracing (under {@link Kiln#compile}) forward is traced instead.
     *
     * @param inputs the tensors passed to forward
     * @return forward's output, with history when recorded
     * @throws KilnException if forward returns null
     */
    public final Tensor apply(Tensor... inputs) {
        Trace trace = Trace.active();
        for (Tensor t : inputs) {
            if (t.isSymbolic()) {
                trace = t.trace();
            }
        }
        if (trace != null) {
            return applyTraced(trace, inputs);
        }
        boolean[] needs = new boolean[inputs.length];
        boolean any = false;
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = Kiln.isGradEnabled() && inputs[i].requiresGrad();
            any |= needs[i];
        }
        Context ctx = new Context(this, inputs.clone(), needs);
        Tensor out;
        try (var noGrad = Kiln.noGrad()) {
            out = forward(ctx, inputs);
        }
        if (out == null) {
            throw new KilnException(member("forward") + " returned null");
        }
        ctx.output = out;
        if (!any || !out.dtype().isFloating()) {
            return out;
        }
        List<TensorType> types = Arrays.stream(inputs).map(Tensor::type).toList();
        return Dispatch.recordCall(new Call(ctx.invocation, types, out.type()), out, inputs);
    }

    /**
     * While tracing, forward's ops are traced in place and a {@code call} node stands for the
     * result, so autodiff uses this function's backward; the {@code inline-calls} pass then
     * replaces the call by the traced forward.
     */
    private Tensor applyTraced(Trace trace, Tensor[] inputs) {
        boolean[] needs = new boolean[inputs.length];
        Node[] nodes = new Node[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = inputs[i].isSymbolic() || inputs[i].requiresGrad();
            nodes[i] = trace.nodeOf(inputs[i]);
        }
        Context ctx = new Context(this, inputs.clone(), needs);
        Tensor out = forward(ctx, inputs);
        ctx.output = trace.symbolic(trace.nodeOf(out));
        List<TensorType> types = Arrays.stream(nodes).map(Node::type).toList();
        return trace.symbolic(trace.builder().add(new Call(ctx.invocation, types, out.type()), nodes));
    }

    private static Context context(Call call) {
        if (!(call.invocation() instanceof Applied a)) {
            throw new IllegalArgumentException("a call node made outside Function.apply: " + call.invocation());
        }
        return a.context;
    }

    private String name() {
        return anonymousName != null ? anonymousName : getClass().getSimpleName();
    }

    /** {@code Square.backward}, or {@code backward of the anonymous Function at MyTest.java:42}. */
    private String member(String method) {
        return anonymousName != null ? method + " of the " + anonymousName : name() + "." + method;
    }

    /** Runs in the constructor: the anonymous class's own constructor frame carries the line it was written at. */
    private static String anonymousName(Class<?> c) {
        String site = WALKER.walk(frames -> frames.filter(f -> f.getDeclaringClass() == c).findFirst()
                .map(f -> f.getFileName() + ":" + f.getLineNumber()).orElse(c.getName()));
        return "anonymous " + c.getSuperclass().getSimpleName() + " at " + site;
    }

    /** Re-runs forward on fresh inputs (for interpreting a graph that holds a call). */
    private TensorData evaluate(List<TensorData> inputs) {
        Tensor[] ts = inputs.stream().map(Tensor::wrap).toArray(Tensor[]::new);
        try (var noGrad = Kiln.noGrad()) {
            return forward(new Context(this, ts, new boolean[ts.length]), ts).contiguous().data();
        }
    }

    /** Traces this function's backward for {@code call} into {@code ops}' graph, given the output's gradient {@code grad}. */
    private TracedVjp traceBackward(Ops ops, Node call, Node grad, boolean[] needed) {
        Context saved = context((Call) call.op());
        Trace trace = new Trace(ops.builder());
        List<Tensor> mapped = new ArrayList<>();
        for (Tensor s : saved.saved) {
            mapped.add(symbolicOrSelf(s, saved, call, trace));
        }
        Context ctx = new Context(this, saved.inputs, needed.clone());
        ctx.saved.addAll(mapped);
        ctx.output = saved.output;
        Tensor[] grads;
        try (var noGrad = Kiln.noGrad()) {
            grads = backward(ctx, trace.symbolic(grad));
        }
        if (grads == null || grads.length != call.inputs().size()) {
            throw new KilnException(member("backward") + " returned " + (grads == null ? "null" : grads.length + " gradients")
                    + " but forward took " + call.inputs().size() + " inputs; return one gradient (or null) per input");
        }
        Node[] out = new Node[grads.length];
        for (int i = 0; i < grads.length; i++) {
            if (!needed[i]) {
                continue;
            }
            Node in = call.input(i);
            if (grads[i] == null) {
                // PyTorch's None: no gradient through this input, which is a zero gradient
                out[i] = ops.zerosLike(in);
                continue;
            }
            Shape gs = grads[i].shape();
            // As PyTorch: a gradient the input broadcasts to is summed back to the input's shape.
            if (!gs.equals(in.shape()) && !gs.equals(Shape.broadcast(in.shape(), gs))) {
                throw new KilnException(member("backward") + " returned a gradient of shape " + gs
                        + " for input " + i + ", which has shape " + in.shape());
            }
            Node g = ops.sumTo(ops.cast(trace.nodeOf(grads[i]), in.dtype()), in.shape());
            out[i] = onceDifferentiable()
                    ? ops.builder().add(new Barrier(name() + " is once-differentiable: its backward cannot be"
                            + " differentiated (a second derivative through it is not available)"), g)
                    : g;
        }
        return new TracedVjp(out, trace.captured());
    }

    private static Tensor symbolicOrSelf(Tensor s, Context saved, Node call, Trace trace) {
        if (s == null) {
            return null;
        }
        for (int i = 0; i < saved.inputs.length; i++) {
            if (saved.inputs[i] == s) {
                return trace.symbolic(call.input(i));
            }
        }
        return s == saved.output ? trace.symbolic(call) : s;
    }

    /** What forward leaves for backward, like PyTorch's {@code ctx}. */
    public static final class Context {
        private final Function function;
        /** This call as the IR sees it; one per context, so every call is a distinct node. */
        private final Applied invocation = new Applied(this);
        private final Tensor[] inputs;
        private final boolean[] needsInputGrad;
        private final List<Tensor> saved = new ArrayList<>();
        private Tensor output;

        Context(Function function, Tensor[] inputs, boolean[] needsInputGrad) {
            this.function = function;
            this.inputs = inputs;
            this.needsInputGrad = needsInputGrad;
        }

        /**
         * Keeps tensors for backward (inputs, the output, or anything forward computed), as
         * {@code ctx.save_for_backward}; each call appends to those saved before.
         *
         * @param tensors the tensors to keep; null entries (PyTorch's None) are kept as null
         */
        public void saveForBackward(Tensor... tensors) {
            // saveForBackward(null) passes a null array: one None, as save_for_backward(None)
            saved.addAll(tensors == null ? Collections.singletonList(null) : Arrays.asList(tensors));
        }

        /**
         * The saved tensors, as {@code ctx.saved_tensors}.
         *
         * @return an unmodifiable list of the tensors saved, in the order saved; a null saved (PyTorch's None) reads
         *     back as null
         */
        public List<Tensor> savedTensors() {
            return Collections.unmodifiableList(new ArrayList<>(saved));
        }

        /**
         * Whether input {@code i} needs a gradient, as {@code ctx.needs_input_grad[i]}; backward may return null for
         * the others.
         *
         * @param i the input's index among forward's inputs
         * @return true if that input's gradient is needed
         */
        public boolean needsInputGrad(int i) {
            return needsInputGrad[i];
        }
    }

    /** A call's context as the IR's {@link Invocation}, kept out of the user's {@link Context}. */
    private record Applied(Context context) implements Invocation {
        @Override
        public Class<?> functionClass() {
            return context.function.getClass();
        }

        @Override
        public String functionName() {
            return context.function.name();
        }

        @Override
        public Node inlinedForward() {
            Tensor output = context.output;
            return output != null && output.isSymbolic() ? output.node() : null;
        }
    }
}
