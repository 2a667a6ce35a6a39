package usercode;

import dev.kiln.spi.Backend;
import dev.kiln.Device;
import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;
import dev.kiln.cpu.CpuBackend;
import dev.kiln.ir.Op;
import dev.kiln.ir.TensorType;
import java.util.List;

/** A test backend for a "fake" device (heap memory, CPU semantics), registered through ServiceLoader. */
public final class FakeDeviceBackend implements Backend {
    private final CpuBackend cpu = new CpuBackend();

    @Override
    public String deviceType() {
        return "fake";
    }

    @Override
    public TensorData execute(Op op, List<TensorData> inputs, TensorType result) {
        return cpu.execute(op, inputs, result);
    }

    @Override
    public dev.kiln.spi.Executable compile(dev.kiln.ir.Graph graph) {
        return cpu.compile(graph);
    }

    static Tensor onFakeDevice(Tensor t) {
        return t.to(new Device("fake", 0));
    }
}
