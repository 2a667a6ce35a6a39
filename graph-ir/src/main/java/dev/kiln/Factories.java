package dev.kiln;

import dev.kiln.spi.TensorData;

import dev.kiln.ir.Leaf;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import java.util.List;

/**
 * The bodies of {@link Tensor}'s factories (the class itself keeps one-line entry points). Tensors
 * are made on the calling thread's {@link Kiln#defaultDevice()}: values given from Java are written
 * on the host and moved by the device's backend; zeros, fills and random draws are the backend's own.
 */
final class Factories {
    private Factories() {
    }

    static Tensor of(float... values) {
        TensorData d = TensorData.allocate(Shape.of(values.length), DType.FLOAT32);
        System.arraycopy(values, 0, (float[]) d.storage().array(), 0, values.length);
        return onDefaultDevice(d);
    }

    static Tensor of(long... values) {
        TensorData d = TensorData.allocate(Shape.of(values.length), DType.INT64);
        System.arraycopy(values, 0, (long[]) d.storage().array(), 0, values.length);
        return onDefaultDevice(d);
    }

    static Tensor fromArray(double[] values, Shape shape, DType dtype) {
        if (values.length != shape.numel()) {
            throw new KilnException(values.length + " values cannot fill a tensor of shape " + shape);
        }
        TensorData d = TensorData.allocate(shape, dtype);
        for (int i = 0; i < values.length; i++) {
            d.storage().setDouble(i, values[i]);
        }
        return onDefaultDevice(d);
    }

    /** A host value, moved to the default device when that is not the CPU. */
    private static Tensor onDefaultDevice(TensorData host) {
        Device device = Kiln.defaultDevice();
        return Tensor.wrap(device.equals(Device.CPU) ? host : Backends.transfer(host, device));
    }

    static Tensor zeros(Shape shape, DType dtype, Device device) {
        return Tensor.wrap(Backends.allocate(device, shape, dtype));
    }

    static Tensor full(Shape shape, double value, DType dtype) {
        Device device = Kiln.defaultDevice();
        TensorData d = Backends.allocate(device, shape, dtype);
        if (device.equals(Device.CPU)) {
            for (int i = 0, n = shape.numel(); i < n; i++) {
                d.storage().setDouble(i, value);
            }
        } else {
            Backends.of(device).fill(d, value);
        }
        return Tensor.wrap(d);
    }

    static Tensor linspace(double start, double end, int steps, DType dtype) {
        if (steps < 0) {
            throw new KilnException("linspace: number of steps must be non-negative, got " + steps);
        }
        double[] v = new double[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // one step gives start, as PyTorch's (the half counting from start is then empty)
        int half = steps == 1 ? 1 : steps / 2;
        for (int i = 0; i < steps; i++) {
            // As PyTorch: the first half counts up from start, the second down from end, so both ends are exact.
            v[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
        }
        return fromArray(v, Shape.of(steps), dtype);
    }

    static Tensor arange(long start, long end, long step) {
        if (step == 0) {
            throw new KilnException("arange: step must be non-zero");
        }
        int n = (int) Math.max(0, (end - start + step - Long.signum(step)) / step);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i * step;
        }
        return of(v);
    }

    /** A random draw from {@code generator}: while tracing, a draw node; else the backend fills it. */
    static Tensor random(Leaf.Distribution dist, Shape shape, DType dtype, Generator generator) {
        if (!dtype.isFloating()) {
            throw new KilnException("random draws need a floating dtype, got " + dtype);
        }
        if (Trace.active() != null) {
            return Trace.active().draw(generator, dist, new TensorType(shape, dtype));
        }
        long offset = generator.reserve(2L * shape.numelLong());
        Op op = new Leaf.Random(dist, generator.seed(), offset, new TensorType(shape, dtype));
        return Dispatch.fromBackend(op, List.of(), Kiln.defaultDevice());
    }
}
