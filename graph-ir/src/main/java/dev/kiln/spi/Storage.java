package dev.kiln.spi;

import dev.kiln.Device;
import dev.kiln.DType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The memory behind tensors: a flat run of elements of one dtype with a version counter. Views
 * share a storage; every in-place write bumps the version, so autograd can tell that a value it
 * saved was overwritten. The CPU's storages are heap arrays ({@link F32} and its siblings); a
 * backend brings its own (device memory) by extending this class and names its {@link #device()}.
 * Kiln's core never reads a non-CPU storage element by element: it moves values through the
 * {@link Backend} of the storage's device ({@link Backend#toHost}, {@link Backend#copy}), so such a
 * storage may refuse {@link #array()} and the element accessors.
 */
public abstract class Storage {
    private volatile int version;

    /** For backends' own storages; the heap ones come from {@link #allocate}. */
    protected Storage() {
    }

    public static Storage allocate(DType dtype, int size) {
        return switch (dtype) {
            case FLOAT32 -> new F32(new float[size]);
            case FLOAT64 -> new F64(new double[size]);
            case INT64 -> new I64(new long[size]);
            case INT32 -> new I32(new int[size]);
            case BOOL -> new Bool(new boolean[size]);
        };
    }

    public abstract DType dtype();

    /** The device whose memory holds the elements: {@link Device#CPU} for the heap storages. */
    public abstract Device device();

    /**
     * The backing heap array ({@code float[]}, {@code double[]}, {@code long[]}, {@code int[]} or
     * {@code boolean[]}), or null for a storage that is not on the heap.
     */
    public abstract Object array();

    public abstract int size();

    public abstract double getDouble(int i);

    public abstract void setDouble(int i, double v);

    public abstract long getLong(int i);

    public abstract void setLong(int i, long v);

    public final int version() {
        return version;
    }

    /**
     * Marks an in-place write. A release store, not a volatile one: a compiled step bumps every
     * tensor it writes on each call, and the full fence a volatile store costs was a visible part
     * of a small step; a reader on another thread that has synchronized with the writer (the
     * compiled function's lock, a join) still sees the new version.
     */
    public final void bumpVersion() {
        VERSION.setRelease(this, version + 1);
    }

    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(Storage.class, "version", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Moves the version past {@code other}'s: this storage now stands where that one stood. */
    public final void succeed(Storage other) {
        version = Math.max(version, other.version + 1);
    }

    /** float32 storage; values round to float on every store. */
    public static final class F32 extends Storage {
        private final float[] data;

        public F32(float[] data) {
            this.data = data;
        }

        public Device device() { return Device.CPU; }
        public DType dtype() { return DType.FLOAT32; }
        public Object array() { return data; }
        public int size() { return data.length; }
        public double getDouble(int i) { return data[i]; }
        public void setDouble(int i, double v) { data[i] = (float) v; }
        public long getLong(int i) { return (long) data[i]; }
        public void setLong(int i, long v) { data[i] = v; }
    }

    /** float64 storage. */
    public static final class F64 extends Storage {
        private final double[] data;

        public F64(double[] data) {
            this.data = data;
        }

        public Device device() { return Device.CPU; }
        public DType dtype() { return DType.FLOAT64; }
        public Object array() { return data; }
        public int size() { return data.length; }
        public double getDouble(int i) { return data[i]; }
        public void setDouble(int i, double v) { data[i] = v; }
        public long getLong(int i) { return (long) data[i]; }
        public void setLong(int i, long v) { data[i] = v; }
    }

    /** int64 storage. */
    public static final class I64 extends Storage {
        private final long[] data;

        public I64(long[] data) {
            this.data = data;
        }

        public Device device() { return Device.CPU; }
        public DType dtype() { return DType.INT64; }
        public Object array() { return data; }
        public int size() { return data.length; }
        public double getDouble(int i) { return data[i]; }
        public void setDouble(int i, double v) { data[i] = (long) v; }
        public long getLong(int i) { return data[i]; }
        public void setLong(int i, long v) { data[i] = v; }
    }

    /** int32 storage; stores wrap as Java's int conversion does. */
    public static final class I32 extends Storage {
        private final int[] data;

        public I32(int[] data) {
            this.data = data;
        }

        public Device device() { return Device.CPU; }
        public DType dtype() { return DType.INT32; }
        public Object array() { return data; }
        public int size() { return data.length; }
        public double getDouble(int i) { return data[i]; }
        public void setDouble(int i, double v) { data[i] = (int) (long) v; }
        public long getLong(int i) { return data[i]; }
        public void setLong(int i, long v) { data[i] = (int) v; }
    }

    /** bool storage; any non-zero store is true. */
    public static final class Bool extends Storage {
        private final boolean[] data;

        public Bool(boolean[] data) {
            this.data = data;
        }

        public Device device() { return Device.CPU; }
        public DType dtype() { return DType.BOOL; }
        public Object array() { return data; }
        public int size() { return data.length; }
        public double getDouble(int i) { return data[i] ? 1 : 0; }
        public void setDouble(int i, double v) { data[i] = v != 0; }
        public long getLong(int i) { return data[i] ? 1 : 0; }
        public void setLong(int i, long v) { data[i] = v != 0; }
    }
}
