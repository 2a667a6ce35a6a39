package dev.kiln.cuda;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.spi.Layout;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** Moving values on, off and within a device: copies, fills, and the checks after a run. */
final class Memory {
    private Memory() {
    }

    /** The storage of a value that must be on {@code dev}: anything else is a routing error. */
    static CudaStorage storage(CudaDevice dev, TensorData t) {
        if (t.storage() instanceof CudaStorage s && s.cudaDevice() == dev) {
            return s;
        }
        throw new IllegalArgumentException("the CUDA backend of " + dev.device + " was given a value on " + t.device());
    }

    /** {@code t}, checked to be on {@code dev}. */
    static TensorData onDevice(CudaDevice dev, TensorData t) {
        storage(dev, t);
        return t;
    }

    /** The device address of {@code t}'s first element. */
    static long address(CudaDevice dev, TensorData t) {
        return storage(dev, t).pointer() + (long) t.layout().offset() * t.dtype().byteSize();
    }

    /** A fresh zero-filled contiguous value (on the device thread). */
    static TensorData allocateOnThread(CudaDevice dev, dev.kiln.Shape shape, DType dtype) {
        long bytes = shape.numelLong() * dtype.byteSize();
        Allocator.Block b = dev.allocator.allocate(bytes);
        if (bytes > 0) {
            dev.driver.memset(b.pointer(), (byte) 0, bytes, dev.stream());
        }
        return new TensorData(CudaStorage.owning(dev, dtype, shape.numel(), b), Layout.contiguous(shape));
    }

    /** Copies {@code src} into {@code dst} (same shape, any layouts and dtypes), on the device thread. */
    static void copyOnThread(CudaDevice dev, TensorData src, TensorData dst) {
        long n = dst.shape().numelLong();
        if (n == 0) {
            return;
        }
        if (src.dtype() == dst.dtype() && src.layout().isContiguous() && dst.layout().isContiguous()) {
            dev.driver.copyDtoD(address(dev, dst), address(dev, src), n * dst.dtype().byteSize(), dev.stream());
            return;
        }
        launch(dev, RuntimeKernels.launch(RuntimeKernels.convert(src.dtype(), dst.dtype()), n,
                List.of(new CudaPlan.Arg.Buffer(0), RuntimeKernels.view(src.layout()), new CudaPlan.Arg.Buffer(1),
                        RuntimeKernels.view(dst.layout()), new CudaPlan.Arg.Int(n))),
                storage(dev, src).pointer(), storage(dev, dst).pointer());
    }

    /** Sets every element of {@code t} (any layout) to {@code value}, on the device thread. */
    static void fillOnThread(CudaDevice dev, TensorData t, double value) {
        long n = t.shape().numelLong();
        if (n == 0) {
            return;
        }
        launch(dev, RuntimeKernels.launch(RuntimeKernels.fill(t.dtype()), n,
                List.of(new CudaPlan.Arg.Buffer(0), RuntimeKernels.view(t.layout()), new CudaPlan.Arg.Int(n), new CudaPlan.Arg.Real(value))),
                storage(dev, t).pointer());
    }

    /** Launches one of the runtime module's kernels, its buffer arguments being {@code pointers} (on the device thread). */
    private static void launch(CudaDevice dev, CudaPlan.Launch l, long... pointers) {
        CudaDevice.Loaded module = dev.load(RuntimeKernels.MODULE);
        MemorySegment[] buffers = new MemorySegment[pointers.length];
        for (int i = 0; i < pointers.length; i++) {
            buffers[i] = MemorySegment.ofAddress(pointers[i]);
        }
        try (Arena a = Arena.ofConfined()) {
            var memory = new LaunchArguments.Memory(buffers, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL);
            MemorySegment args = LaunchArguments.pack(a, l, RuntimeKernels.MODULE.entry(l.entry()), memory);
            int rc = dev.driver.launch(dev.function(module, l.entry()), l.grid(), l.block(), dev.stream(), args);
            if (rc != Driver.CUDA_SUCCESS) {
                throw launchFailed(dev, l, rc);
            }
        }
    }

    /** A contiguous heap copy of {@code t}: the span of device memory its view covers, gathered here. */
    static TensorData toHost(CudaDevice dev, TensorData t) {
        TensorData out = TensorData.allocate(t.shape(), t.dtype());
        long n = t.shape().numelLong();
        if (n == 0) {
            return out;
        }
        Layout l = t.layout();
        long span = 1;
        for (int d = 0; d < l.shape().rank(); d++) {
            span += (long) (l.shape().dim(d) - 1) * l.stride(d);
        }
        int size = t.dtype().byteSize();
        long from = storage(dev, t).pointer() + (long) l.offset() * size;
        long count = span;
        TensorData spanned = dev.call(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(count * size, 8);
                dev.driver.copyDtoH(host, from, count * size, dev.stream());
                dev.driver.synchronize(dev.stream());
                return new TensorData(heap(host, t.dtype(), (int) count), new Layout(t.shape(), l.strides(), 0));
            }
        });
        out.copyFrom(spanned);
        return out;
    }

    /** A contiguous device copy of a heap value. */
    static TensorData fromHost(CudaDevice dev, TensorData host) {
        TensorData dense = host;
        if (!host.layout().isContiguous() || host.layout().offset() != 0 || host.storage().size() != host.shape().numel()) {
            dense = TensorData.allocate(host.shape(), host.dtype());
            dense.copyFrom(host);
        }
        TensorData src = dense;
        return dev.call(() -> {
            TensorData out = allocateOnThread(dev, src.shape(), src.dtype());
            long bytes = src.shape().numelLong() * src.dtype().byteSize();
            if (bytes > 0) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment staging = offHeap(a, src);
                    dev.driver.copyHtoD(address(dev, out), staging, bytes, dev.stream());
                    dev.driver.synchronize(dev.stream());
                }
            }
            return out;
        });
    }

    private static MemorySegment offHeap(Arena a, TensorData dense) {
        int n = dense.shape().numel();
        MemorySegment s = a.allocate(Math.max(1L, (long) n * dense.dtype().byteSize()), 8);
        Object array = dense.storage().array();
        switch (dense.dtype()) {
            case FLOAT32 -> MemorySegment.copy((float[]) array, 0, s, ValueLayout.JAVA_FLOAT, 0, n);
            case FLOAT64 -> MemorySegment.copy((double[]) array, 0, s, ValueLayout.JAVA_DOUBLE, 0, n);
            case INT64 -> MemorySegment.copy((long[]) array, 0, s, ValueLayout.JAVA_LONG, 0, n);
            case INT32 -> MemorySegment.copy((int[]) array, 0, s, ValueLayout.JAVA_INT, 0, n);
            case BOOL -> {
                boolean[] b = (boolean[]) array;
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_BYTE, i, (byte) (b[i] ? 1 : 0));
                }
            }
        }
        return s;
    }

    private static Storage heap(MemorySegment s, DType d, int n) {
        return switch (d) {
            case FLOAT32 -> new Storage.F32(s.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_FLOAT));
            case FLOAT64 -> new Storage.F64(s.asSlice(0, 8L * n).toArray(ValueLayout.JAVA_DOUBLE));
            case INT64 -> new Storage.I64(s.asSlice(0, 8L * n).toArray(ValueLayout.JAVA_LONG));
            case INT32 -> new Storage.I32(s.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_INT));
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    b[i] = s.get(ValueLayout.JAVA_BYTE, i) != 0;
                }
                yield new Storage.Bool(b);
            }
        };
    }

    /** Throws when a kernel recorded an error in the status words (an index out of range). */
    static void checkStatus(MemorySegment status, Plan plan, Device device) {
        long failed = status.get(ValueLayout.JAVA_LONG, 0);
        if (failed != 0) {
            int step = (int) failed - 1;
            String op = step < plan.steps().size() && plan.steps().get(step) instanceof Plan.OpStep o ? o.op().name() : "step " + step;
            throw new CudaError(op + ": index or exponent " + status.get(ValueLayout.JAVA_LONG, 8) + " is out of range (plan step " + step
                    + ", on " + device + ")");
        }
    }

    /** The error of a launch the driver refused or that failed. */
    static CudaError launchFailed(CudaDevice dev, CudaPlan.Launch l, int rc) {
        return new CudaError("the CUDA kernel " + l.entry() + " (" + l.purpose() + ") failed on " + dev.device + ": " + dev.driver.describe(rc), rc);
    }
}
