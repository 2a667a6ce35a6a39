package dev.kiln.spi;

import dev.kiln.spi.TensorData;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import java.util.List;

/**
 * Executes ops for one device type. Found with {@link java.util.ServiceLoader}; the CPU backend
 * is in {@code kiln-runtime-cpu}.
 */
public interface Backend {
    /** The device type served, such as {@code "cpu"}. */
    String deviceType();

    /**
     * Computes {@code op} on inputs that already satisfy its type rule (same shapes and dtypes
     * where the op needs them) and returns a fresh contiguous result of type {@code result}.
     * Leaf ops other than inputs (constants, random draws) take no inputs.
     */
    TensorData execute(Op op, List<TensorData> inputs, TensorType result);

    /** Compiles a whole (optimized) graph into something that runs it repeatedly. */
    Executable compile(dev.kiln.ir.Graph graph);
}
