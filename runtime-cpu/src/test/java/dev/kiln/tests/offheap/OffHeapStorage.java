package dev.kiln.tests.offheap;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.spi.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Elements in native memory ({@link MemorySegment}s, freed when the storage is collected): no Java
 * array is reachable from a tensor on this device. Every heap-style access ({@link #array()} and
 * the element accessors Kiln's core could use as a CPU shortcut) fails loudly, with an
 * {@link AssertionError} that no library {@code catch} of exceptions swallows; only
 * {@link OffHeapBackend} reads and writes the elements, through {@link #read} and {@link #write}.
 */
final class OffHeapStorage extends Storage {
    private final MemorySegment memory;
    private final DType dtype;
    private final int size;
    private final Device device;

    OffHeapStorage(Device device, DType dtype, int size) {
        // Arena.ofAuto's memory starts zeroed and goes when the storage is unreachable
        this.memory = Arena.ofAuto().allocate(Math.max(1L, (long) size * dtype.byteSize()), 8);
        this.dtype = dtype;
        this.size = size;
        this.device = device;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Object array() {
        throw shortcut("array()");
    }

    @Override
    public double getDouble(int i) {
        throw shortcut("getDouble");
    }

    @Override
    public void setDouble(int i, double v) {
        throw shortcut("setDouble");
    }

    @Override
    public long getLong(int i) {
        throw shortcut("getLong");
    }

    @Override
    public void setLong(int i, long v) {
        throw shortcut("setLong");
    }

    private AssertionError shortcut(String what) {
        return new AssertionError(what + " on a tensor of " + device + ": off-heap storage is read only through its"
                + " backend, so this is a CPU-array shortcut in Kiln's core");
    }

    /** Element {@code i} as a double (exact for every dtype but int64 beyond 2^53: see {@link #readLong}). */
    double read(int i) {
        return switch (dtype) {
            case FLOAT32 -> memory.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case FLOAT64 -> memory.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            case INT64 -> memory.getAtIndex(ValueLayout.JAVA_LONG, i);
            case INT32 -> memory.getAtIndex(ValueLayout.JAVA_INT, i);
            case BOOL -> memory.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
        };
    }

    long readLong(int i) {
        return switch (dtype) {
            case INT64 -> memory.getAtIndex(ValueLayout.JAVA_LONG, i);
            case FLOAT32, FLOAT64, INT32, BOOL -> (long) read(i);
        };
    }

    /** Stores {@code v} at {@code i}, converted as the heap storages convert. */
    void write(int i, double v) {
        switch (dtype) {
            case FLOAT32 -> memory.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            case FLOAT64 -> memory.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            case INT64 -> memory.setAtIndex(ValueLayout.JAVA_LONG, i, (long) v);
            case INT32 -> memory.setAtIndex(ValueLayout.JAVA_INT, i, (int) (long) v);
            case BOOL -> memory.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
        }
    }

    void writeLong(int i, long v) {
        switch (dtype) {
            case INT64 -> memory.setAtIndex(ValueLayout.JAVA_LONG, i, v);
            case INT32 -> memory.setAtIndex(ValueLayout.JAVA_INT, i, (int) v);
            case FLOAT32, FLOAT64, BOOL -> write(i, v);
        }
    }
}
