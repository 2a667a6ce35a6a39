package dev.kiln.internal;

import dev.kiln.Tensor;
import dev.kiln.ir.Graph;
import dev.kiln.ir.TensorType;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Tracing services for Kiln's own packages outside {@code dev.kiln} (optimizers, tests): the
 * tracer itself stays package-private in {@code dev.kiln}, and this package is exported only to
 * Kiln's runtimes, never to users.
 * The tracer installs its implementation here when its class is initialized (the JDK's
 * "shared secrets" pattern), so the user API exposes none of it.
 */
public final class Tracing {
    /** What the tracer provides; see the static methods for each one's meaning. */
    public interface Hooks {
        List<Tensor> memoize(Object key, List<Tensor> reads, Supplier<List<Tensor>> compute);

        void assign(Tensor target, Tensor value);

        boolean tracing(List<Tensor> tensors);

        Tensor compute(dev.kiln.ir.Op op, Tensor... inputs);

        Graph trace(Function<List<Tensor>, Tensor> f, List<TensorType> inputs, Supplier<String> sites,
                java.util.function.BiConsumer<dev.kiln.ir.Node, Tensor> captured);

        Graph trace(Function<List<Tensor>, Tensor> f, List<TensorType> inputs, java.util.Map<dev.kiln.ir.Node, Tensor> captured);

        boolean active();

        void guard(Object owner, Guard guard);

        void convert(Tensor t, dev.kiln.DType dtype, dev.kiln.Device device);
    }

    /**
     * A condition a static plan was traced under beyond its arguments' types (a module's
     * train/eval mode): checked before every replay, and a plan whose guard fails is traced again.
     */
    public interface Guard {
        boolean holds();

        /** What was read, for {@code explainLastMiss} ("Dropout in training mode"). */
        String describe();
    }

    private static volatile Hooks hooks;

    private Tracing() {
    }

    /** Called once by the tracer's class initializer. */
    public static void install(Hooks h) {
        hooks = h;
    }

    private static Hooks hooks() {
        if (hooks == null) {
            Bridge.initialize("dev.kiln.Trace");
        }
        return hooks;
    }

    /**
     * Library code whose tensor results depend only on {@code reads} and {@code key}: run as is
     * when not tracing, replayed from an earlier trace when it made the same call (see the tracer).
     */
    public static List<Tensor> memoize(Object key, List<Tensor> reads, Supplier<List<Tensor>> compute) {
        return hooks().memoize(key, reads, compute);
    }

    /** {@code target.copy_(value)}, recorded directly while tracing (optimizers' many writes). */
    public static void assign(Tensor target, Tensor value) {
        hooks().assign(target, value);
    }

    /** Runs {@code op} as a tensor op: at once (recorded for autograd where needed), or as a node while tracing. */
    public static Tensor compute(dev.kiln.ir.Op op, Tensor... inputs) {
        return hooks().compute(op, inputs);
    }

    /** Whether ops on these tensors would be traced. */
    public static boolean tracing(List<Tensor> tensors) {
        return hooks().tracing(tensors);
    }

    /** Whether a trace is active on the calling thread (a compiled function is being traced). */
    public static boolean active() {
        return hooks().active();
    }

    /**
     * While a trace is active on this thread: the plan it makes is valid only while {@code guard}
     * holds. The first guard of each {@code owner} (compared by identity) counts: it saw the state
     * the call started in.
     */
    public static void guard(Object owner, Guard guard) {
        hooks().guard(owner, guard);
    }

    /**
     * {@code t.set_(t.to(dtype))}, computed at once even while tracing (optimizer state following its
     * parameter's dtype, converted before the trace reads it). Refused if the active trace has read {@code t}.
     */
    public static void convert(Tensor t, dev.kiln.DType dtype, dev.kiln.Device device) {
        hooks().convert(t, dtype, device);
    }

    /** The graph {@code f} builds on symbolic inputs of these types (for tests that inspect traces). */
    public static Graph trace(Function<List<Tensor>, Tensor> f, List<TensorType> inputs) {
        return hooks().trace(f, inputs, null, null);
    }

    /**
     * As {@link #trace(Function, List)}, each new node's {@link dev.kiln.ir.Node#site()} taken from
     * {@code sites} as it is made (model summaries name the module that made each node so), and each
     * captured tensor (a parameter, a buffer) told to {@code captured} with its input node.
     */
    public static Graph trace(Function<List<Tensor>, Tensor> f, List<TensorType> inputs, Supplier<String> sites,
            java.util.function.BiConsumer<dev.kiln.ir.Node, Tensor> captured) {
        return hooks().trace(f, inputs, sites, captured);
    }

    /**
     * As {@link #trace(Function, List)}, and fills {@code captured} with the concrete tensor each captured
     * input node stands for (the weights an exporter writes beside the graph).
     */
    public static Graph trace(Function<List<Tensor>, Tensor> f, List<TensorType> inputs, java.util.Map<dev.kiln.ir.Node, Tensor> captured) {
        return hooks().trace(f, inputs, captured);
    }
}
