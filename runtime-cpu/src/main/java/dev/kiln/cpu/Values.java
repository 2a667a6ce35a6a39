package dev.kiln.cpu;

import dev.kiln.spi.Layout;
import dev.kiln.Shape;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;

/** Reading any view into a dense row-major array, and wrapping dense arrays as results. */
final class Values {
    private Values() {
    }

    /** The elements in row-major order as doubles (always a fresh array). */
    static double[] doubles(TensorData d) {
        int n = d.shape().numel();
        Layout l = d.layout();
        Storage s = d.storage();
        if (l.isContiguous()) {
            int off = l.offset();
            double[] out = new double[n];
            if (s.array() instanceof float[] f) {
                for (int i = 0; i < n; i++) {
                    out[i] = f[off + i];
                }
            } else if (s.array() instanceof double[] f) {
                System.arraycopy(f, off, out, 0, n);
            } else {
                for (int i = 0; i < n; i++) {
                    out[i] = s.getDouble(off + i);
                }
            }
            return out;
        }
        double[] out = new double[n];
        if (isBroadcastScalar(l)) {
            java.util.Arrays.fill(out, s.getDouble(l.offset()));
            return out;
        }
        Odometer it = new Odometer(l);
        for (int i = 0; i < n; i++, it.next()) {
            out[i] = s.getDouble(it.index());
        }
        return out;
    }

    /**
     * The elements of a float32 value in row-major order (always a fresh array): a contiguous one copied whole, a
     * strided or broadcast view walked by the {@link Odometer} (fused attention's permuted heads, a sum's expanded
     * gradient). Other storages are read through {@link #doubles}.
     */
    static float[] floats(TensorData d) {
        int n = d.shape().numel();
        Layout l = d.layout();
        if (!(d.storage().array() instanceof float[] f)) {
            double[] v = doubles(d);
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = (float) v[i];
            }
            return out;
        }
        float[] out = new float[n];
        if (l.isContiguous()) {
            System.arraycopy(f, l.offset(), out, 0, n);
            return out;
        }
        Odometer it = new Odometer(l);
        for (int i = 0; i < n; i++, it.next()) {
            out[i] = f[it.index()];
        }
        return out;
    }

    /** True when every element is the same storage element (a broadcast 0-d value). */
    static boolean isBroadcastScalar(Layout l) {
        for (int i = 0; i < l.shape().rank(); i++) {
            if (l.stride(i) != 0 && l.shape().dim(i) != 1) {
                return false;
            }
        }
        return true;
    }

    /** The elements in row-major order as longs (integer and bool tensors). */
    static long[] longs(TensorData d) {
        int n = d.shape().numel();
        long[] out = new long[n];
        Storage s = d.storage();
        Odometer it = new Odometer(d.layout());
        for (int i = 0; i < n; i++, it.next()) {
            out[i] = s.getLong(it.index());
        }
        return out;
    }

    /** A contiguous tensor of {@code dtype} holding {@code values} (rounded to float32 where that is the type). */
    static TensorData of(double[] values, Shape shape, dev.kiln.DType dtype) {
        Storage s = switch (dtype) {
            case FLOAT64 -> new Storage.F64(values);
            case FLOAT32 -> {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                yield new Storage.F32(f);
            }
            default -> {
                Storage st = Storage.allocate(dtype, values.length);
                for (int i = 0; i < values.length; i++) {
                    st.setDouble(i, values[i]);
                }
                yield st;
            }
        };
        return new TensorData(s, Layout.contiguous(shape));
    }

    static TensorData ofLongs(long[] values, Shape shape, dev.kiln.DType dtype) {
        Storage s = dtype == dev.kiln.DType.INT64 ? new Storage.I64(values) : Storage.allocate(dtype, values.length);
        if (dtype != dev.kiln.DType.INT64) {
            for (int i = 0; i < values.length; i++) {
                s.setLong(i, values[i]);
            }
        }
        return new TensorData(s, Layout.contiguous(shape));
    }

    /** Walks a layout's storage indices in row-major order without a division per element. */
    static final class Odometer {
        private final int[] dims;
        private final int[] strides;
        private final int[] idx;
        private int at;

        Odometer(Layout l) {
            this.dims = l.shape().toArray();
            this.strides = l.strides();
            this.idx = new int[dims.length];
            this.at = l.offset();
        }

        int index() {
            return at;
        }

        void next() {
            for (int k = dims.length - 1; k >= 0; k--) {
                if (++idx[k] < dims[k]) {
                    at += strides[k];
                    return;
                }
                at -= strides[k] * (dims[k] - 1);
                idx[k] = 0;
            }
        }
    }

    /** Sets every element of a dense value to zero. */
    static void zero(TensorData d) {
        switch (d.storage().array()) {
            case float[] a -> java.util.Arrays.fill(a, 0f);
            case double[] a -> java.util.Arrays.fill(a, 0.0);
            case long[] a -> java.util.Arrays.fill(a, 0L);
            case int[] a -> java.util.Arrays.fill(a, 0);
            case boolean[] a -> java.util.Arrays.fill(a, false);
            default -> throw new IllegalStateException("not a heap value: " + d.storage());
        }
    }
}
