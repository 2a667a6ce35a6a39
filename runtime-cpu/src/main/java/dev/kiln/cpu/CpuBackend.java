package dev.kiln.cpu;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Shape;
import dev.kiln.ir.Graph;
import dev.kiln.ir.MatMul;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.Backend;
import dev.kiln.spi.Executable;
import dev.kiln.spi.TensorData;
import java.util.List;

/**
 * The CPU backend, found by {@link java.util.ServiceLoader}: values in heap arrays, eager ops on
 * vectorized kernels or the reference interpreter, compiled graphs as fused bytecode kernels.
 */
public final class CpuBackend implements Backend {
    @Override
    public String deviceType() {
        return "cpu";
    }

    @Override
    public TensorData allocate(Device device, Shape shape, DType dtype) {
        return TensorData.allocate(shape, dtype);
    }

    @Override
    public void fill(TensorData target, double value) {
        for (int i = 0, n = target.shape().numel(); i < n; i++) {
            target.storage().setDouble(target.layout().indexOfFlat(i), value);
        }
    }

    @Override
    public void copy(TensorData source, TensorData target) {
        target.copyFrom(source);
    }

    @Override
    public TensorData toHost(TensorData value) {
        return copyOf(value);
    }

    @Override
    public TensorData fromHost(Device device, TensorData host) {
        return copyOf(host);
    }

    private static TensorData copyOf(TensorData value) {
        TensorData copy = TensorData.allocate(value.shape(), value.dtype());
        copy.copyFrom(value);
        return copy;
    }

    @Override
    public Executable compile(Device device, Graph graph) {
        return new CompiledPlan(graph);
    }

    @Override
    public TensorData execute(Device device, Op op, List<TensorData> inputs, TensorType result) {
        if (op instanceof MatMul && result.dtype().isFloating()) {
            TensorData out = TensorData.allocate(result.shape(), result.dtype());
            TensorData a = inputs.get(0);
            TensorData b = inputs.get(1);
            Gemm.matmul(a.storage().array(), a.layout(), b.storage().array(), b.layout(), out.storage().array(), result.shape());
            return out;
        }
        TensorData indexed = IndexKernels.execute(op, inputs, result);
        if (indexed != null) {
            return indexed;
        }
        return EagerKernels.worthCompiling(op, inputs, result) ? EagerKernels.run(op, inputs, result)
                : Interpreter.execute(op, inputs, result);
    }
}
