package dev.kiln.tests.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.cuda.mock.MockCuda;
import dev.kiln.distributed.DistributedDataParallel;
import dev.kiln.distributed.ProcessGroup;
import dev.kiln.distributed.ReduceOp;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CUDA tensors through {@link ProcessGroup#world()} alone (no MPI launcher): the collectives go
 * through NCCL on the device (the mock NCCL's counters move) and give the values the CPU gives, and
 * DistributedDataParallel trains on the device step for step as on the CPU.
 */
class NcclProcessGroupTest {
    private static final Device CUDA = Device.cuda(0);

    @BeforeAll
    static void mock() {
        Assumptions.assumeTrue(MockCuda.available(), "the mock CUDA driver needs g++ and cuda.h");
        MockCuda.install();
    }

    @Test
    void collectivesOnCudaTensorsRunThroughNccl() {
        ProcessGroup g = ProcessGroup.world();
        MockCuda.NcclStats before = MockCuda.ncclStats();
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64, DType.INT64)) {
            Tensor x = Tensor.arange(6).reshape(2, 3).to(t).to(CUDA);
            for (ReduceOp op : t.isFloating() ? ReduceOp.values() : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX}) {
                Tensor y = x.clone();
                g.allReduce(y, op);
                assertEquals(CUDA, y.device());
                assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, y.to(Device.CPU).toDoubleArray(), t + " " + op);
            }
            Tensor b = x.transpose(0, 1).add(1); // broadcast writes into the caller's tensor
            g.broadcast(b, 0);
            assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, b.to(Device.CPU).toDoubleArray());
            Tensor all = g.allGather(x.transpose(0, 1));
            assertEquals(CUDA, all.device());
            assertArrayEquals(new int[] {1, 3, 2}, all.shape().toArray());
            assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, all.to(Device.CPU).toDoubleArray());
        }
        Tensor m = g.allReduced(Tensor.of(2.0, 4.0).to(CUDA), ReduceOp.MEAN);
        assertArrayEquals(new double[] {2.0, 4.0}, m.to(Device.CPU).toDoubleArray());
        MockCuda.NcclStats after = MockCuda.ncclStats();
        assertEquals(3 + 3 + 2 + 1, after.allReduces() - before.allReduces(), "every all-reduce went through NCCL: " + after);
        assertEquals(3, after.broadcasts() - before.broadcasts());
        assertEquals(3, after.allGathers() - before.allGathers());
        assertTrue(after.commInits() <= 1 && after.liveComms() <= 1, "one communicator for the device: " + after);
        assertTrue(g.backend().contains("single process") && g.backend().contains("nccl 2.21.5 on cuda:0"), g.backend());
        g.allReduce(Tensor.of(1.0), ReduceOp.SUM); // host tensors keep the host path
        assertEquals(after.allReduces(), MockCuda.ncclStats().allReduces());
    }

    @Test
    void ddpTrainsOnTheDeviceStepForStepAsOnTheCpu() {
        double[] cpu = train(Device.CPU);
        long before = MockCuda.ncclStats().allReduces();
        double[] cuda = train(CUDA);
        assertTrue(MockCuda.ncclStats().allReduces() - before >= 10, "the gradients were averaged through NCCL");
        assertArrayEquals(cpu, cuda, 1e-5);
        assertTrue(cuda[cuda.length - 1] < cuda[0], "it trains: " + cuda[0] + " -> " + cuda[cuda.length - 1]);
    }

    /** The losses of 10 SGD steps of a small MLP (float32) under DDP on {@code device}. */
    private static double[] train(Device device) {
        Kiln.manualSeed(42);
        Sequential model = new Sequential(new Linear(4, 8), new Tanh(), new Linear(8, 2));
        Tensor x = Tensor.randn(6, 4);
        Tensor y = Tensor.randn(6, 2);
        model.to(device);
        DistributedDataParallel ddp = new DistributedDataParallel(model, ProcessGroup.world(), 0.0001); // a bucket per parameter
        SGD opt = new SGD(model.parameters(), SGD.Options.lr(0.1));
        MSELoss loss = new MSELoss();
        Tensor xd = x.to(device);
        Tensor yd = y.to(device);
        double[] losses = new double[10];
        for (int i = 0; i < losses.length; i++) {
            opt.zeroGrad();
            Tensor l = loss.forward(ddp.forward(xd), yd);
            l.backward();
            opt.step();
            losses[i] = l.to(Device.CPU).item();
        }
        return losses;
    }
}
