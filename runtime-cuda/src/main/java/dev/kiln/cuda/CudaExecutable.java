package dev.kiln.cuda;

import dev.kiln.Device;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.spi.Executable;

/** A plan compiled to CUDA C: its launches and module, described and emitted; not yet run. */
final class CudaExecutable implements Executable {
    private final CudaPlan cuda;

    CudaExecutable(CudaPlan cuda) {
        this.cuda = cuda;
    }

    @Override
    public Run open() {
        throw CudaBackend.noRuntime(Device.cuda(0));
    }

    @Override
    public int outputCount() {
        return cuda.plan().outputs().size();
    }

    @Override
    public String describe() {
        return cuda.describe();
    }

    @Override
    public String source() {
        return cuda.module().source();
    }
}
