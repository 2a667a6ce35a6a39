package dev.kiln.cuda;

import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPrecision;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.Layout;
import dev.kiln.spi.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Eager ops on a device. Each op becomes a one-step plan: a single-op step, whose kernel takes its
 * shapes as arguments (so one compiled module serves the op's signature at every shape), or a GEMM
 * for floating matrix products (specialized to the shape, as the compiled plans' GEMMs are). The
 * launches of each (op, types) are kept in a bounded cache; modules are compiled once per device.
 * Inputs that are not contiguous are first copied dense on the device. Launches are queued on the
 * device's stream without waiting, except for ops that can fail on the device (an index out of
 * range), which wait to check.
 */
final class EagerOps {
    private static final int CACHE = 4096;
    private static final Map<Key, CudaPlan> PLANS = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, CudaPlan> eldest) {
            return size() > CACHE;
        }
    };

    private record Key(Op op, List<TensorType> inputs, TensorType result, CudaPrecision precision) {
    }

    private EagerOps() {
    }

    static CudaPlan plan(Op op, List<TensorType> inputs, TensorType result) {
        CudaPrecision precision = CudaBackend.precision();
        Key key = new Key(op, inputs, result, precision);
        synchronized (PLANS) {
            CudaPlan p = PLANS.get(key);
            if (p != null) {
                return p;
            }
        }
        List<Plan.Buffer> buffers = new ArrayList<>();
        for (TensorType t : inputs) {
            buffers.add(new Plan.Buffer(t.dtype(), t.shape()));
        }
        int out = inputs.size();
        buffers.add(new Plan.Buffer(result.dtype(), result.shape()));
        List<Integer> in = IntStream.range(0, inputs.size()).boxed().toList();
        Plan.Step step = op instanceof MatMul && result.dtype().isFloating()
                ? new Plan.MatMulStep(0, Layout.contiguous(inputs.get(0).shape()), 1, Layout.contiguous(inputs.get(1).shape()), out)
                : new Plan.OpStep(op, in, out);
        CudaPlan p = CudaEmitter.emit(new Plan(buffers, 0, List.of(step), in, List.of(out)), precision);
        synchronized (PLANS) {
            PLANS.put(key, p);
        }
        return p;
    }

    /** {@code op} of {@code inputs} (on {@code dev}) as a fresh contiguous value of type {@code result}. */
    static TensorData execute(CudaDevice dev, Op op, List<TensorData> inputs, TensorType result) {
        List<TensorType> types = inputs.stream().map(t -> new TensorType(t.shape(), t.dtype())).toList();
        CudaPlan cuda = plan(op, types, result);
        CudaModule module = cuda.module();
        CudaDevice.Loaded loaded = dev.load(module);
        for (TensorData t : inputs) {
            Memory.storage(dev, t);
        }
        boolean checks = cuda.launches().stream().anyMatch(l -> l.args().stream().anyMatch(a -> a instanceof CudaPlan.Arg.Status));
        return dev.call(() -> {
            MemorySegment[] buffers = new MemorySegment[inputs.size() + 1];
            List<TensorData> held = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                TensorData t = inputs.get(i);
                if (!t.layout().isContiguous()) {
                    TensorData dense = Memory.allocateOnThread(dev, t.shape(), t.dtype());
                    Memory.copyOnThread(dev, t, dense);
                    t = dense;
                }
                held.add(t);
                buffers[i] = MemorySegment.ofAddress(Memory.address(dev, t));
            }
            TensorData out = Memory.allocateOnThread(dev, result.shape(), result.dtype());
            buffers[inputs.size()] = MemorySegment.ofAddress(Memory.address(dev, out));
            Allocator.Block scratch = dev.allocator.allocate(8L * Math.max(1, cuda.scratchDoubles()));
            Allocator.Block status = dev.allocator.allocate(16);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(16, 8);
                if (checks) {
                    dev.driver.memset(status.pointer(), (byte) 0, 16, dev.stream());
                }
                var memory = new LaunchArguments.Memory(buffers, MemorySegment.NULL, MemorySegment.ofAddress(scratch.pointer()),
                        MemorySegment.ofAddress(status.pointer()));
                for (CudaPlan.Launch l : cuda.launches()) {
                    MemorySegment args = LaunchArguments.pack(a, l, module.entry(l.entry()), memory);
                    int rc = dev.driver.launch(dev.function(loaded, l.entry()), l.grid(), l.block(), dev.stream(), args);
                    if (rc != Driver.CUDA_SUCCESS) {
                        throw Memory.launchFailed(dev, l, rc);
                    }
                }
                if (checks) {
                    dev.driver.copyDtoH(host, status.pointer(), 16, dev.stream());
                    dev.driver.synchronize(dev.stream());
                    Memory.checkStatus(host, cuda.plan(), dev.device);
                }
            } finally {
                // the stream orders these blocks' reuse after the launches above
                dev.allocator.releaseNow(scratch);
                dev.allocator.releaseNow(status);
            }
            held.clear();
            return out;
        });
    }
}
