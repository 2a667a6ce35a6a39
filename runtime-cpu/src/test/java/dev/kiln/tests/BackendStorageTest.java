package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.spi.Layout;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;
import org.junit.jupiter.api.Test;

/** A backend can bring its own storage (device memory): Storage is open to extension. */
class BackendStorageTest {
    /** Elements kept off the Java heap's typed arrays (here a map, standing in for device memory). */
    static final class MappedStorage extends Storage {
        private final java.util.Map<Integer, Double> cells = new java.util.HashMap<>();
        private final int size;

        MappedStorage(int size) {
            this.size = size;
        }

        @Override
        public DType dtype() {
            return DType.FLOAT64;
        }

        @Override
        public Object array() {
            return null;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public double getDouble(int i) {
            return cells.getOrDefault(i, 0.0);
        }

        @Override
        public void setDouble(int i, double v) {
            cells.put(i, v);
        }

        @Override
        public long getLong(int i) {
            return (long) getDouble(i);
        }

        @Override
        public void setLong(int i, long v) {
            setDouble(i, v);
        }
    }

    @Test
    void aTensorOverABackendsOwnStorageReadsThroughIt() {
        MappedStorage s = new MappedStorage(6);
        for (int i = 0; i < 6; i++) {
            s.setDouble(i, i * 1.5);
        }
        Tensor t = Tensors.wrap(new TensorData(s, Layout.contiguous(Shape.of(2, 3))));
        assertNull(s.array());
        assertEquals(DType.FLOAT64, t.dtype());
        assertEquals(4.5, t.get(1, 0).item());
        assertEquals(7.5, t.toDoubleArray()[5]);
        int before = s.version();
        s.bumpVersion();
        assertEquals(before + 1, s.version());
    }
}
