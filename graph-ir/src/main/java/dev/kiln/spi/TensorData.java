package dev.kiln.spi;

import dev.kiln.Device;
import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.KilnException;

/** A tensor's value without autograd state: storage and the layout that views it. */
public record TensorData(Storage storage, Layout layout) {
    public Shape shape() {
        return layout.shape();
    }

    public DType dtype() {
        return storage.dtype();
    }

    /** The device of the storage. */
    public Device device() {
        return storage.device();
    }

    /** Whether the value is in heap storage, readable element by element here. */
    public boolean onHost() {
        return storage.device() == Device.CPU || storage.device().equals(Device.CPU);
    }

    /**
     * A fresh contiguous, zero-filled value on the heap (the CPU's memory). One too big for the heap fails with a
     * {@link KilnException} naming the shape and the bytes asked for (not the JVM's
     * {@code OutOfMemoryError}, which would leave the caller no clue).
     */
    public static TensorData allocate(Shape shape, DType dtype) {
        long bytes = shape.numelLong() * dtype.byteSize();
        Runtime rt = Runtime.getRuntime();
        if (bytes > rt.maxMemory()) {
            throw tooBig(shape, dtype, bytes, "more than the whole heap (" + rt.maxMemory() + " bytes, -Xmx)", null);
        }
        try {
            return new TensorData(Storage.allocate(dtype, shape.numel()), Layout.contiguous(shape));
        } catch (OutOfMemoryError e) {
            // only this one array failed to fit: nothing else was allocated or changed
            throw tooBig(shape, dtype, bytes, "more than the heap has free (" + rt.maxMemory() + " bytes at most, -Xmx)", e);
        }
    }

    private static KilnException tooBig(Shape shape, DType dtype, long bytes, String why, Throwable cause) {
        return new KilnException("cannot allocate a " + dtype + " tensor of shape " + shape + ": " + bytes + " bytes is "
                + why, cause);
    }

    /** Element {@code flat} (row-major) as a double. */
    public double getDouble(int flat) {
        return storage.getDouble(layout.indexOfFlat(flat));
    }

    /** Element {@code flat} (row-major) as a long. */
    public long getLong(int flat) {
        return storage.getLong(layout.indexOfFlat(flat));
    }

    /**
     * Copies {@code src} (same shape, converted to this dtype) into this view; both on the heap
     * (values of other devices are copied by their {@link Backend}).
     */
    public void copyFrom(TensorData src) {
        if (!src.shape().equals(shape())) {
            throw new IllegalArgumentException("copy of " + src.shape() + " into " + shape());
        }
        int n = shape().numel();
        if (src.dtype() == dtype() && layout.isContiguous() && src.layout().isContiguous()) {
            System.arraycopy(src.storage().array(), src.layout().offset(), storage.array(), layout.offset(), n);
            return;
        }
        boolean exact = dtype().isIntegral() && src.dtype().isIntegral();
        for (int i = 0; i < n; i++) {
            int at = layout.indexOfFlat(i);
            if (exact) {
                storage.setLong(at, src.getLong(i));
            } else {
                storage.setDouble(at, src.getDouble(i));
            }
        }
    }

    /** The values in row-major order, as floats. */
    public float[] toFloatArray() {
        float[] out = new float[shape().numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    /** The values in row-major order, as doubles. */
    public double[] toDoubleArray() {
        double[] out = new double[shape().numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** The values in row-major order, as longs. */
    public long[] toLongArray() {
        long[] out = new long[shape().numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }
}
