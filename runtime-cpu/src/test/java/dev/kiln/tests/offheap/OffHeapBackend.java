package dev.kiln.tests.offheap;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.cpu.CpuBackend;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.Backend;
import dev.kiln.spi.Executable;
import dev.kiln.spi.Layout;
import dev.kiln.spi.TensorData;
import java.util.List;

/**
 * A second backend that is not the heap, registered through {@link java.util.ServiceLoader} as
 * device type {@code offheap}: its tensors' elements live in native memory ({@link OffHeapStorage}).
 * It computes by staging: it copies its inputs to the host, runs the CPU backend there and copies
 * the results back, as a device backend moves values across a bus. That is enough to show that
 * Kiln's core reaches a device's memory only through the SPI: run the suites with
 * {@code -Dkiln.device=offheap} and any heap shortcut the core takes fails.
 */
public final class OffHeapBackend implements Backend {
    /** The device these tensors live on. */
    public static final Device DEVICE = new Device("offheap", 0);

    private static final CpuBackend CPU = new CpuBackend();

    @Override
    public String deviceType() {
        return DEVICE.type();
    }

    @Override
    public TensorData allocate(Device device, Shape shape, DType dtype) {
        try {
            return new TensorData(new OffHeapStorage(device, dtype, shape.numel()), Layout.contiguous(shape));
        } catch (OutOfMemoryError e) {
            // as a device backend reports an allocation its memory cannot hold: an error that names it
            throw new KilnException("cannot allocate a " + dtype + " tensor of shape " + shape + " on " + device + ": "
                    + shape.numelLong() * dtype.byteSize() + " bytes is more than the device has free", e);
        }
    }

    @Override
    public void fill(TensorData target, double value) {
        OffHeapStorage s = own(target);
        for (int i = 0, n = target.shape().numel(); i < n; i++) {
            s.write(target.layout().indexOfFlat(i), value);
        }
    }

    @Override
    public void copy(TensorData source, TensorData target) {
        checkShapes(source, target);
        OffHeapStorage from = own(source);
        OffHeapStorage to = own(target);
        boolean exact = source.dtype().isIntegral() && target.dtype().isIntegral();
        for (int i = 0, n = target.shape().numel(); i < n; i++) {
            int a = source.layout().indexOfFlat(i);
            int b = target.layout().indexOfFlat(i);
            if (exact) {
                to.writeLong(b, from.readLong(a));
            } else {
                to.write(b, from.read(a));
            }
        }
    }

    @Override
    public TensorData toHost(TensorData value) {
        OffHeapStorage s = own(value);
        TensorData host = TensorData.allocate(value.shape(), value.dtype());
        boolean integral = value.dtype().isIntegral();
        for (int i = 0, n = value.shape().numel(); i < n; i++) {
            int at = value.layout().indexOfFlat(i);
            if (integral) {
                host.storage().setLong(i, s.readLong(at));
            } else {
                host.storage().setDouble(i, s.read(at));
            }
        }
        return host;
    }

    @Override
    public TensorData fromHost(Device device, TensorData host) {
        if (!host.onHost()) {
            throw new AssertionError("fromHost was given a value on " + host.device());
        }
        TensorData out = allocate(device, host.shape(), host.dtype());
        OffHeapStorage s = (OffHeapStorage) out.storage();
        boolean integral = host.dtype().isIntegral();
        for (int i = 0, n = host.shape().numel(); i < n; i++) {
            if (integral) {
                s.writeLong(i, host.getLong(i));
            } else {
                s.write(i, host.getDouble(i));
            }
        }
        return out;
    }

    @Override
    public TensorData execute(Device device, Op op, List<TensorData> inputs, TensorType result) {
        TensorData out = CPU.execute(Device.CPU, op, inputs.stream().map(this::toHost).toList(), result);
        return fromHost(device, out);
    }

    @Override
    public Executable compile(Device device, Graph graph) {
        return new Staged(this, device, CPU.compile(Device.CPU, graph));
    }

    /** The storage of a value that must be on this device: anything else is a routing error in the core. */
    static OffHeapStorage own(TensorData value) {
        if (value.storage() instanceof OffHeapStorage s) {
            return s;
        }
        throw new AssertionError("the offheap backend was given a value on " + value.device());
    }

    private static void checkShapes(TensorData source, TensorData target) {
        if (!source.shape().equals(target.shape())) {
            throw new IllegalArgumentException("copy of " + source.shape() + " into " + target.shape());
        }
    }

    /** A CPU plan between host copies of its inputs and device copies of its outputs. */
    private record Staged(OffHeapBackend backend, Device device, Executable cpu) implements Executable {
        @Override
        public Run open() {
            Run run = cpu.open();
            TensorData[] outputs = new TensorData[cpu.outputCount()];
            return new Run() {
                @Override
                public void input(int slot, TensorData value) {
                    run.input(slot, backend.toHost(value));
                }

                @Override
                public void run() {
                    java.util.Arrays.fill(outputs, null);
                    run.run();
                }

                @Override
                public TensorData output(int i) {
                    TensorData o = outputs[i];
                    if (o == null) {
                        outputs[i] = o = backend.fromHost(device, run.output(i));
                    }
                    return o;
                }

                @Override
                public void close() {
                    run.close();
                }
            };
        }

        @Override
        public int outputCount() {
            return cpu.outputCount();
        }

        @Override
        public String describe() {
            return "staged through the host:\n" + cpu.describe();
        }
    }
}
