package dev.kiln.cpu;

import dev.kiln.spi.Backend;
import dev.kiln.spi.Executable;
import dev.kiln.ir.Graph;
import dev.kiln.spi.TensorData;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import java.util.List;

/** The CPU backend, found by {@link java.util.ServiceLoader}: eager ops on the reference interpreter, compiled graphs as fused bytecode kernels. */
public final class CpuBackend implements Backend {
    @Override
    public String deviceType() {
        return "cpu";
    }

    @Override
    public Executable compile(Graph graph) {
        return new CompiledPlan(graph);
    }

    @Override
    public TensorData execute(Op op, List<TensorData> inputs, TensorType result) {
        if (op instanceof dev.kiln.ir.MatMul && result.dtype().isFloating()) {
            TensorData out = TensorData.allocate(result.shape(), result.dtype());
            TensorData a = inputs.get(0);
            TensorData b = inputs.get(1);
            Gemm.matmul(a.storage().array(), a.layout(), b.storage().array(), b.layout(), out.storage().array(), result.shape());
            return out;
        }
        return EagerKernels.worthCompiling(op, inputs, result) ? EagerKernels.run(op, inputs, result)
                : Interpreter.execute(op, inputs, result);
    }
}
