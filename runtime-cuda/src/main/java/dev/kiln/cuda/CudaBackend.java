package dev.kiln.cuda;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Shape;
import dev.kiln.KilnException;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaPrecision;
import dev.kiln.codegen.kernel.FusionPlanner;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.Backend;
import dev.kiln.spi.Executable;
import dev.kiln.spi.TensorData;
import java.util.List;

/**
 * The backend of {@code cuda:N} devices, found by {@link java.util.ServiceLoader}: tensors in device
 * memory ({@link CudaStorage}, from a caching allocator), eager ops as the emitter's single-op
 * kernels, compiled plans as CUDA C modules run on the device's stream and replayed as CUDA graphs.
 * The driver and NVRTC are bound through FFM when the first CUDA tensor is made; compiling a plan
 * alone (what {@code Kiln.explainCuda} shows) needs neither. Float32 arithmetic runs in float unless
 * {@code -Dkiln.cuda.precision=exact} asks for the interpreter's bits ({@link #precision()}).
 */
public final class CudaBackend implements Backend {
    @Override
    public String deviceType() {
        return "cuda";
    }

    /** The system property that chooses how float32 values are computed: {@code fast} (the default) or {@code exact}. */
    static final String PRECISION_PROPERTY = "kiln.cuda.precision";

    /**
     * How float32 values are computed on the device: in float (FAST, the default, as PyTorch's kernels) or
     * in double with the interpreter's bits (EXACT, {@code -Dkiln.cuda.precision=exact}).
     */
    static CudaPrecision precision() {
        String p = System.getProperty(PRECISION_PROPERTY, "fast");
        return switch (p.toLowerCase(java.util.Locale.ROOT)) {
            case "fast" -> CudaPrecision.FAST;
            case "exact" -> CudaPrecision.EXACT;
            default -> throw new KilnException("-D" + PRECISION_PROPERTY + "=" + p + ": the precisions are fast (float32 in float, the"
                    + " default) and exact (float32 computed in double, the interpreter's bits)");
        };
    }

    @Override
    public Executable compile(Device device, Graph graph) {
        return new CudaExecutable(device, CudaEmitter.emit(FusionPlanner.plan(graph), precision()));
    }

    /** The devices the driver reports; 0 where the driver is missing (nothing is thrown). */
    @Override
    public int deviceCount() {
        return CudaDevice.count();
    }

    @Override
    public TensorData allocate(Device device, Shape shape, DType dtype) {
        CudaDevice dev = CudaDevice.of(device);
        return dev.call(() -> Memory.allocateOnThread(dev, shape, dtype));
    }

    @Override
    public void fill(TensorData target, double value) {
        CudaDevice dev = CudaDevice.of(target.device());
        dev.run(() -> Memory.fillOnThread(dev, target, value));
    }

    @Override
    public void copy(TensorData source, TensorData target) {
        if (!source.shape().equals(target.shape())) {
            throw new IllegalArgumentException("copy of " + source.shape() + " into " + target.shape());
        }
        CudaDevice dev = CudaDevice.of(target.device());
        dev.run(() -> Memory.copyOnThread(dev, source, target));
    }

    @Override
    public TensorData toHost(TensorData value) {
        return Memory.toHost(CudaDevice.of(value.device()), value);
    }

    @Override
    public TensorData fromHost(Device device, TensorData host) {
        return Memory.fromHost(CudaDevice.of(device), host);
    }

    @Override
    public TensorData execute(Device device, Op op, List<TensorData> inputs, TensorType result) {
        if (op instanceof dev.kiln.ir.Collective.AllReduce a) {
            return a.group().allReduce(inputs.getFirst(), a.kind()); // the group runs it where the value is (NCCL)
        }
        return EagerOps.execute(CudaDevice.of(device), op, inputs, result);
    }
}
