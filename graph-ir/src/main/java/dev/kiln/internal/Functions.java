package dev.kiln.internal;

import dev.kiln.Tensor;
import dev.kiln.ir.Call;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.spi.TensorData;
import java.util.List;
import java.util.Map;

/**
 * What autodiff and the interpreter do with a custom {@code Function}'s call node: trace its backward,
 * re-run its forward. {@code Function} installs this when its class is initialized (the pattern of
 * {@link Tracing}), so a user subclassing it sees only {@code forward} and {@code backward}.
 */
public final class Functions {
    /** What {@code Function} provides; see the static methods. */
    public interface Access {
        TensorData evaluate(Call call, List<TensorData> inputs);

        TracedVjp traceBackward(Ops ops, Node call, Node grad, boolean[] needed);
    }

    /** The traced VJP of one call node: input gradients (null where not needed) and the concrete tensors they captured. */
    public record TracedVjp(Node[] grads, Map<Node, Tensor> captured) {
    }

    private static volatile Access access;

    private Functions() {
    }

    /** Called once by {@code Function}'s class initializer. */
    public static void install(Access a) {
        access = a;
    }

    private static Access access() {
        if (access == null) {
            Bridge.initialize("dev.kiln.Function");
        }
        return access;
    }

    /** Re-runs the forward of the function {@code call} applies on fresh inputs (interpreting a graph that holds a call). */
    public static TensorData evaluate(Call call, List<TensorData> inputs) {
        return access().evaluate(call, inputs);
    }

    /** Traces the backward of the call node {@code call} into {@code ops}' graph, given the output's gradient {@code grad}. */
    public static TracedVjp traceBackward(Ops ops, Node call, Node grad, boolean[] needed) {
        return access().traceBackward(ops, call, grad, needed);
    }
}
