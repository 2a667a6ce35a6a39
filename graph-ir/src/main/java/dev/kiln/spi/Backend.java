package dev.kiln.spi;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Shape;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import java.util.List;

/**
 * Memory and execution for one device type. Found with {@link java.util.ServiceLoader}; the CPU
 * backend is in {@code kiln-runtime-cpu}. Kiln's core creates, fills, copies, moves and reads
 * every tensor of a device through that device's backend, and runs its ops and compiled plans
 * there, so a backend is this interface, a {@link Storage} subclass and an {@link Executable}.
 * Every {@link TensorData} a backend is given lives on its device (a storage whose
 * {@link Storage#device()} has its {@link #deviceType()}), except where a method says host.
 */
public interface Backend {
    /** The device type served, such as {@code "cpu"}. */
    String deviceType();

    /** How many devices of this type there are here (0 when a driver is missing); for {@code Device.isAvailable()}. */
    default int deviceCount() {
        return 1;
    }

    /** A fresh contiguous value of {@code shape} and {@code dtype} on {@code device}, every element zero. */
    TensorData allocate(Device device, Shape shape, DType dtype);

    /** Sets every element of {@code target} (any layout) to {@code value}, converted to its dtype. */
    void fill(TensorData target, double value);

    /** Copies {@code source} into {@code target} (same shape, any layouts, same device), converting the dtype. */
    void copy(TensorData source, TensorData target);

    /** A contiguous copy of {@code value} on the host: heap storage that Kiln's core and users can read. */
    TensorData toHost(TensorData value);

    /** A contiguous copy on {@code device} of {@code host}, a value in heap storage. */
    TensorData fromHost(Device device, TensorData host);

    /**
     * Computes {@code op} on inputs that already satisfy its type rule (same shapes and dtypes
     * where the op needs them) and returns a fresh contiguous result of type {@code result} on
     * {@code device}. Leaf ops other than inputs (constants, random draws) take no inputs.
     */
    TensorData execute(Device device, Op op, List<TensorData> inputs, TensorType result);

    /** Compiles a whole (optimized) graph into something that runs it repeatedly on {@code device}. */
    Executable compile(Device device, Graph graph);
}
