package dev.kiln.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.cuda.mock.MockCuda;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Collective;
import dev.kiln.spi.DeviceCollectives;
import dev.kiln.spi.TensorData;
import java.lang.foreign.MemorySegment;
import java.util.ServiceLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The NCCL bindings on the mock NCCL: real result codes back as errors that name the call, and the collectives' values. */
class NcclTest {
    private static final Device CUDA = Device.cuda(0);

    @BeforeAll
    static void mock() {
        MockCuda.install();
    }

    @Test
    void theBindingsReachTheLibraryAndItsErrorsNameTheCall() {
        CudaDevice dev = CudaDevice.of(CUDA);
        Nccl nccl = Nccl.load();
        assertEquals(MockCuda.build().nccl().toString(), nccl.library());
        assertEquals("2.21.5", Nccl.versionText(dev.call(nccl::version)));
        assertEquals("2.8.4", Nccl.versionText(2804), "codes before 2.9 count the minor in hundreds");
        byte[] id = dev.call(nccl::uniqueId);
        assertEquals(Nccl.UNIQUE_ID_BYTES, id.length);
        KilnException two = assertThrows(KilnException.class, () -> dev.call(() -> nccl.commInitRank(2, id, 0)));
        assertTrue(two.getMessage().contains("ncclCommInitRank(nranks 2, rank 0) failed: ncclInvalidUsage (5)"), two.getMessage());
        KilnException foreign = assertThrows(KilnException.class, () -> dev.call(() -> nccl.commInitRank(1, new byte[128], 0)));
        assertTrue(foreign.getMessage().contains("ncclInvalidArgument (4): invalid argument"), foreign.getMessage());

        MemorySegment comm = dev.call(() -> nccl.commInitRank(1, id, 0));
        TensorData x = Tensors.data(Tensor.of(1.5, -2.0, 3.0).to(DType.FLOAT64).to(CUDA));
        TensorData y = Tensors.data(Tensor.zeros(3).to(DType.FLOAT64).to(CUDA));
        long from = Memory.address(dev, x);
        long to = Memory.address(dev, y);
        dev.run(() -> nccl.allReduce(from, to, 3, Nccl.FLOAT64, Nccl.SUM, comm, dev.stream()));
        assertArrayEquals(new double[] {1.5, -2.0, 3.0}, Tensors.wrap(y).to(Device.CPU).toDoubleArray());
        for (Runnable bad : new Runnable[] {() -> nccl.allReduce(from, to, 3, 99, Nccl.SUM, comm, dev.stream()),
                () -> nccl.allReduce(from, to, 3, Nccl.FLOAT64, 9, comm, dev.stream()),
                () -> nccl.allReduce(from, to, 3, Nccl.FLOAT64, Nccl.SUM, MemorySegment.NULL, dev.stream()),
                () -> nccl.broadcast(from, to, 3, Nccl.FLOAT64, 1, comm, dev.stream())}) {
            KilnException e = assertThrows(KilnException.class, () -> dev.run(bad));
            assertTrue(e.getMessage().contains("failed: ncclInvalidArgument (4)"), e.getMessage());
        }
        dev.run(() -> nccl.commDestroy(comm));
        KilnException twice = assertThrows(KilnException.class, () -> dev.run(() -> nccl.commDestroy(comm)));
        assertTrue(twice.getMessage().contains("ncclCommDestroy failed: ncclInvalidArgument"), twice.getMessage());
    }

    @Test
    void theProviderIsFoundAndRunsCollectivesOnTheDevice() {
        DeviceCollectives c = ServiceLoader.load(DeviceCollectives.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.deviceType().equals("cuda")).findFirst().orElseThrow();
        MockCuda.NcclStats before = MockCuda.ncclStats();
        try (DeviceCollectives.Group g = c.open(CUDA, c.uniqueId(CUDA), 0, 1)) {
            assertEquals("nccl 2.21.5 on cuda:0", g.describe());
            Tensor x = Tensor.arange(6).reshape(2, 3).to(DType.FLOAT32).to(CUDA);
            TensorData t = Tensors.data(x.transpose(0, 1)); // not contiguous: copied dense first
            TensorData mean = g.allReduce(t, Collective.Kind.MEAN);
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, Tensors.wrap(mean).to(Device.CPU).toFloatArray());
            assertEquals(CUDA, mean.device());
            TensorData gathered = g.allGather(Tensors.data(x));
            assertEquals("[1, 2, 3]", gathered.shape().toString());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, Tensors.wrap(gathered).to(Device.CPU).toFloatArray());
            TensorData b = g.broadcast(Tensors.data(x.to(DType.INT64)), 0);
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, Tensors.wrap(b).to(Device.CPU).toLongArray());
        }
        MockCuda.NcclStats after = MockCuda.ncclStats();
        assertEquals(1, after.commInits() - before.commInits());
        assertEquals(1, after.commDestroys() - before.commDestroys());
        assertEquals(1, after.allReduces() - before.allReduces());
        assertEquals(1, after.allGathers() - before.allGathers());
        assertEquals(1, after.broadcasts() - before.broadcasts());
    }

    @Test
    void aMissingLibrarySaysHowToPointKilnAtIt() {
        String old = System.getProperty(Nccl.PROPERTY);
        System.setProperty(Nccl.PROPERTY, "/nonexistent/libnccl.so.2");
        try {
            KilnException e = assertThrows(KilnException.class, () -> new CudaCollectives().uniqueId(CUDA));
            assertTrue(e.getMessage().contains("the NCCL library /nonexistent/libnccl.so.2 was not found")
                    && e.getMessage().contains("-Dkiln.cuda.nccl=PATH") && e.getMessage().contains("KILN_CUDA_NCCL"), e.getMessage());
        } finally {
            System.setProperty(Nccl.PROPERTY, old);
        }
    }
}
