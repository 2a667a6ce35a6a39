package dev.kiln.cuda.tests;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Shape;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaPlan;
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
 * A test backend for devices of type {@value #TYPE} (found by ServiceLoader from this module's test
 * resources): it compiles a plan as the CUDA backend does, in {@link CudaPrecision#FAST}, so
 * {@code f.sourceFor(DEVICE)} is a compiled function's FAST module and {@link #describe} its launches too.
 */
public final class FastCudaBackend implements Backend {
    static final String TYPE = "fastcuda";
    static final Device DEVICE = new Device(TYPE, 0);

    /** The launches and module of {@code f}'s last plan in FAST precision (after a call). */
    static String describe(dev.kiln.CompiledFunction f) {
        String source = f.sourceFor(DEVICE);
        CudaPlan p = last;
        if (p == null || !p.module().source().equals(source)) {
            throw new IllegalStateException("no FAST plan of this function was compiled");
        }
        return p.describe();
    }

    private static volatile CudaPlan last;

    @Override
    public String deviceType() {
        return TYPE;
    }

    @Override
    public Executable compile(Device device, Graph graph) {
        CudaPlan p = CudaEmitter.emit(FusionPlanner.plan(graph), CudaPrecision.FAST);
        last = p;
        return new Executable() {
            @Override
            public Run open() {
                throw none();
            }

            @Override
            public int outputCount() {
                return p.plan().outputs().size();
            }

            @Override
            public String describe() {
                return p.describe();
            }

            @Override
            public String source() {
                return p.module().source();
            }
        };
    }

    private static UnsupportedOperationException none() {
        return new UnsupportedOperationException(TYPE + " only emits FAST CUDA C for tests");
    }

    @Override
    public TensorData allocate(Device device, Shape shape, DType dtype) {
        throw none();
    }

    @Override
    public void fill(TensorData target, double value) {
        throw none();
    }

    @Override
    public void copy(TensorData source, TensorData target) {
        throw none();
    }

    @Override
    public TensorData toHost(TensorData value) {
        throw none();
    }

    @Override
    public TensorData fromHost(Device device, TensorData host) {
        throw none();
    }

    @Override
    public TensorData execute(Device device, Op op, List<TensorData> inputs, TensorType result) {
        throw none();
    }
}
