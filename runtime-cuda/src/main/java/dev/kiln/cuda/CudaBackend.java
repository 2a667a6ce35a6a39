package dev.kiln.cuda;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.kernel.FusionPlanner;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.Backend;
import dev.kiln.spi.Executable;
import dev.kiln.spi.TensorData;
import java.util.List;

/**
 * The backend of {@code cuda:N} devices, found by {@link java.util.ServiceLoader}. Today it
 * compiles plans to CUDA C (what {@code Kiln.explainCuda} and {@code Kiln.cudaSource} show) but
 * holds no device memory: every memory or execution method fails with a message saying the
 * runtime is not there yet.
 */
public final class CudaBackend implements Backend {
    @Override
    public String deviceType() {
        return "cuda";
    }

    @Override
    public Executable compile(Device device, Graph graph) {
        return new CudaExecutable(CudaEmitter.emit(FusionPlanner.plan(graph)));
    }

    @Override
    public TensorData allocate(Device device, Shape shape, DType dtype) {
        throw noRuntime(device);
    }

    @Override
    public void fill(TensorData target, double value) {
        throw noRuntime(target.device());
    }

    @Override
    public void copy(TensorData source, TensorData target) {
        throw noRuntime(target.device());
    }

    @Override
    public TensorData toHost(TensorData value) {
        throw noRuntime(value.device());
    }

    @Override
    public TensorData fromHost(Device device, TensorData host) {
        throw noRuntime(device);
    }

    @Override
    public TensorData execute(Device device, Op op, List<TensorData> inputs, TensorType result) {
        throw noRuntime(device);
    }

    static KilnException noRuntime(Device device) {
        return new KilnException("no CUDA runtime yet: Kiln compiles plans to CUDA C (Kiln.explainCuda) but cannot put"
                + " tensors on " + device + " or run them there; keep the model on the CPU");
    }
}
