package dev.kiln.cuda;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.spi.Storage;
import java.lang.ref.Cleaner;

/**
 * Tensor memory on a CUDA device: a block of the device's caching allocator. An owning storage
 * gives its block back when it is collected; a borrowed one (a compiled run's output, valid until
 * the run closes) never does. Its elements are not readable here: Kiln's core reads them through
 * {@link CudaBackend#toHost}.
 */
final class CudaStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaDevice device;
    private final DType dtype;
    private final int size;
    private final long pointer;

    private CudaStorage(CudaDevice device, DType dtype, int size, long pointer) {
        this.device = device;
        this.dtype = dtype;
        this.size = size;
        this.pointer = pointer;
    }

    /** A storage that owns {@code block} and gives it back to {@code device}'s allocator when collected. */
    static CudaStorage owning(CudaDevice device, DType dtype, int size, Allocator.Block block) {
        CudaStorage s = new CudaStorage(device, dtype, size, block.pointer());
        Allocator allocator = device.allocator;
        CLEANER.register(s, () -> allocator.release(block));
        return s;
    }

    /** A storage over memory someone else owns and frees. */
    static CudaStorage borrowed(CudaDevice device, DType dtype, int size, long pointer) {
        return new CudaStorage(device, dtype, size, pointer);
    }

    /** The device address of element 0. */
    long pointer() {
        return pointer;
    }

    CudaDevice cudaDevice() {
        return device;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public Device device() {
        return device.device;
    }

    @Override
    public Object array() {
        return null;
    }

    @Override
    public int size() {
        return size;
    }

    private UnsupportedOperationException notHere() {
        return new UnsupportedOperationException("a tensor on " + device.device + " is read through its backend (toHost), not element by element");
    }

    @Override
    public double getDouble(int i) {
        throw notHere();
    }

    @Override
    public void setDouble(int i, double v) {
        throw notHere();
    }

    @Override
    public long getLong(int i) {
        throw notHere();
    }

    @Override
    public void setLong(int i, long v) {
        throw notHere();
    }
}
