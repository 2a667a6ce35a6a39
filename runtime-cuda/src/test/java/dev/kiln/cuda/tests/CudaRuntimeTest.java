package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.Inference;
import dev.kiln.cuda.mock.MockCuda;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.io.Checkpoint;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.tests.Props;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA runtime end to end on the mock driver: Kiln's FFM bindings, device memory, eager kernels,
 * compiled plans and CUDA graphs run for real, with device memory in host memory and kernels compiled
 * for the host. Results are checked against the CPU backend (float64: the same bits where no
 * transcendental or reduction order is involved).
 */
class CudaRuntimeTest {
    static final Device CUDA = Device.cuda(0);

    @BeforeAll
    static void mock() {
        MockCuda.install();
    }

    private static double[] values(Tensor t) {
        return t.to(Device.CPU).contiguous().toDoubleArray();
    }

    @Test
    void tensorsMoveToTheDeviceAndBack() {
        Tensor x = Props.normal(Shape.of(3, 5), 1);
        Tensor c = x.to(CUDA);
        assertEquals(CUDA, c.device());
        assertEquals(x.shape(), c.shape());
        assertArrayEquals(x.toDoubleArray(), values(c));
        assertArrayEquals(x.t().contiguous().toDoubleArray(), values(c.t()), "a transposed view read back");
        assertArrayEquals(x.to(DType.FLOAT32).toDoubleArray(), values(c.to(DType.FLOAT32)), "converted on the device");
        Tensor ints = Tensor.of(3L, -4L, 5L).to(CUDA);
        assertArrayEquals(new double[] {3, -4, 5}, values(ints));
        assertEquals(-4.0, ints.get(1).item());
        assertTrue(c.toString().contains("device=cuda:0"), c.toString());
    }

    @Test
    void theMockDeviceIsAvailableAndASecondIsNot() {
        assertTrue(CUDA.isAvailable());
        assertTrue(!Device.cuda(1).isAvailable(), "the mock driver reports one device");
        assertTrue(Device.CPU.isAvailable());
        assertTrue(!new Device("tpu", 0).isAvailable(), "no backend on the class path");
    }

    @Test
    void eagerOpsComputeAsTheCpuDoes() {
        Tensor x = Props.normal(Shape.of(4, 6), 2);
        Tensor y = Props.normal(Shape.of(4, 6), 3);
        Tensor xc = x.to(CUDA);
        Tensor yc = y.to(CUDA);
        assertArrayEquals(x.add(y).mul(y).sub(2.5).toDoubleArray(), values(xc.add(yc).mul(yc).sub(2.5)), "elementwise: the same bits");
        assertArrayEquals(x.t().mul(2).contiguous().toDoubleArray(), values(xc.t().mul(2)), "a non-contiguous input");
        assertArrayEquals(x.relu().toDoubleArray(), values(xc.relu()));
        assertArrayEquals(x.sum(1).toDoubleArray(), values(xc.sum(1)), 1e-12);
        assertArrayEquals(x.matmul(y.t()).toDoubleArray(), values(xc.matmul(yc.t())), "the GEMM sums as the interpreter: same bits");
        assertArrayEquals(x.exp().toDoubleArray(), values(xc.exp()), 1e-13);
        Tensor index = Tensor.of(2L, 0L, 3L).to(CUDA);
        assertArrayEquals(x.indexSelect(0, index.to(Device.CPU)).toDoubleArray(), values(xc.indexSelect(0, index)));
        try (var scope = Kiln.defaultDevice(CUDA)) {
            Tensor ones = Tensor.ones(2, 3);
            assertEquals(CUDA, ones.device());
            assertEquals(6.0, ones.sum().item());
        }
    }

    @Test
    void anIndexOutOfRangeOnTheDeviceNamesTheOpAndTheLine() {
        Tensor x = Props.normal(Shape.of(4, 3), 4).to(CUDA);
        Tensor bad = Tensor.of(1L, 7L).to(CUDA);
        KilnException e = assertThrows(KilnException.class, () -> x.indexSelect(0, bad).sum().item());
        assertTrue(e.getMessage().contains("out of range") && e.getMessage().contains("7"), e.getMessage());
        assertTrue(e.getMessage().contains("CudaRuntimeTest.java"), e.getMessage());
        assertEquals(values(x.sum()).length, 1, "the device still works");
    }

    @Test
    void aCompiledStepRunsOnTheDeviceAndIsReplayedAsAGraph() {
        Tensor xs = Tensor.linspace(-Math.PI, Math.PI, 200).to(DType.FLOAT64);
        Tensor ys = xs.sin();
        double[][] results = new double[2][];
        long graphsBefore = MockCuda.stats().graphLaunches();
        for (Device d : List.of(Device.CPU, CUDA)) {
            Tensor x = xs.to(d);
            Tensor y = ys.to(d);
            Tensor a = Tensor.of(DType.FLOAT64, 0.1).to(d);
            Tensor b = Tensor.of(DType.FLOAT64, -0.2).to(d);
            Step step = Kiln.compile(inputs -> {
                Tensor pred = a.add(b.mul(x)).add(x.pow(3).mul(0.01));
                Tensor grad = pred.sub(y).mul(2.0);
                a.sub_(grad.sum().mul(1e-3));
                b.sub_(grad.mul(x).sum().mul(1e-3));
                return pred.sub(y).pow(2).sum();
            });
            double[] losses = new double[5];
            for (int i = 0; i < losses.length; i++) {
                losses[i] = step.apply().item();
            }
            results[d == CUDA ? 1 : 0] = new double[] {losses[0], losses[4], a.item(), b.item()};
        }
        assertArrayEquals(results[0], results[1], 1e-12);
        assertTrue(MockCuda.stats().graphLaunches() - graphsBefore >= 3, "calls after the first replay a CUDA graph");
    }

    private static Module mlp() {
        return new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 1));
    }

    private static double[] train(Device d, boolean compiled, int steps) {
        Kiln.manualSeed(5);
        Module net = mlp().to(d);
        Optimizer opt = new Adam(net.parameters(), Adam.Options.lr(1e-2));
        Tensor x = Props.normal(Shape.of(32, 4), 6).to(DType.FLOAT32).to(d);
        Tensor y = x.sum(1, true).sin().to(d);
        Step step = inputs -> {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(net.forward(x), y);
            loss.backward();
            opt.step();
            return loss;
        };
        Step run = compiled ? Kiln.compile(step) : step;
        double[] losses = new double[steps];
        for (int i = 0; i < steps; i++) {
            losses[i] = run.apply().item();
        }
        return losses;
    }

    @Test
    void anMlpTrainsOnTheDeviceAsOnTheCpu() {
        double[] cpu = train(Device.CPU, false, 20);
        double[] eager = train(CUDA, false, 20);
        double[] compiled = train(CUDA, true, 20);
        for (int i = 0; i < cpu.length; i++) {
            assertEquals(cpu[i], eager[i], 1e-5 * Math.max(1, Math.abs(cpu[i])), "eager step " + i);
            assertEquals(cpu[i], compiled[i], 1e-5 * Math.max(1, Math.abs(cpu[i])), "compiled step " + i);
        }
        assertTrue(compiled[19] < compiled[0], "it learns");
    }

    @Test
    void inFastPrecisionTheMlpTrainsWithinFloat32NoiseOfTheCpu() {
        double[] cpu = train(Device.CPU, true, 10);
        System.setProperty("kiln.cuda.precision", "fast");
        try {
            double[] fast = train(CUDA, true, 10);
            for (int i = 0; i < cpu.length; i++) {
                assertEquals(cpu[i], fast[i], 1e-4 * Math.max(1, Math.abs(cpu[i])), "step " + i);
            }
        } finally {
            System.setProperty("kiln.cuda.precision", "exact");
        }
    }

    @Test
    void aTrainingLoopStopsCallingCuMemAllocAfterItsFirstSteps() {
        Kiln.manualSeed(5);
        Module net = mlp().to(CUDA);
        Optimizer opt = new Adam(net.parameters(), Adam.Options.lr(1e-2));
        Tensor x = Props.normal(Shape.of(32, 4), 6).to(DType.FLOAT32).to(CUDA);
        Tensor y = x.sum(1, true).sin();
        Step step = Kiln.compile(inputs -> {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(net.forward(x), y);
            loss.backward();
            opt.step();
            return loss;
        });
        for (int i = 0; i < 3; i++) {
            step.apply().item();
        }
        long before = MockCuda.stats().allocs();
        for (int i = 0; i < 30; i++) {
            step.apply().item();
        }
        assertEquals(before, MockCuda.stats().allocs(), "steps 4 to 33 take every block from the cache");
    }

    @Test
    void loadersCheckpointsAndInferenceWorkWithCudaTensors(@TempDir Path dir) {
        Kiln.manualSeed(9);
        Module net = mlp().to(CUDA);
        Adam opt = new Adam(net.parameters(), Adam.Options.lr(1e-2));
        Tensor xs = Props.normal(Shape.of(16, 4), 10).to(DType.FLOAT32);
        DataLoader loader = DataLoader.of(new TensorDataset(xs, xs.sum(1, true))).batchSize(4).build();
        for (List<Tensor> batch : loader) {
            opt.zeroGrad();
            Functional.mseLoss(net.forward(batch.get(0).to(CUDA)), batch.get(1).to(CUDA)).backward();
            opt.step();
        }
        Path file = dir.resolve("net.ckpt");
        Checkpoint.save(file, net, opt);
        Module cpu = mlp();
        Checkpoint.load(file, cpu, new Adam(cpu.parameters(), Adam.Options.lr(1e-2)));
        Tensor probe = Props.normal(Shape.of(3, 4), 11).to(DType.FLOAT32);
        double[] expected = cpu.forward(probe).toDoubleArray();
        assertArrayEquals(expected, values(net.forward(probe.to(CUDA))), 1e-6, "the CUDA model saved and loaded on the CPU");
        Inference inference = Inference.of(net::forward).rowShape(4).dtype(DType.FLOAT32).device(CUDA).maxBatch(4).build();
        Tensor out = inference.run(probe.to(CUDA));
        assertEquals(CUDA, out.device());
        assertArrayEquals(expected, values(out), 1e-6, "compiled inference on the device");
        KilnException wrong = assertThrows(KilnException.class, () -> inference.run(probe));
        assertTrue(wrong.getMessage().contains("expected a batch on cuda:0") && wrong.getMessage().contains("CudaRuntimeTest.java"),
                wrong.getMessage());
    }

    @Test
    void outOfMemoryIsAClearErrorAndChangesNothing() {
        Tensor kept = Tensor.of(DType.FLOAT64, 1, 2, 3).to(CUDA);
        MockCuda.setMemoryLimit(64L << 20);
        try {
            KilnException e = assertThrows(KilnException.class, () -> Tensor.zeros(Shape.of(64, 1024, 1024), DType.FLOAT64).to(CUDA));
            assertTrue(e.getMessage().contains("CUDA out of memory") && e.getMessage().contains("CudaRuntimeTest.java"), e.getMessage());
        } finally {
            MockCuda.setMemoryLimit(1L << 30);
        }
        assertArrayEquals(new double[] {1, 2, 3}, values(kept));
    }

    @Test
    void aFailedLaunchIsAClearError() {
        Tensor x = Tensor.of(DType.FLOAT64, 1, 2).to(CUDA);
        MockCuda.failNextLaunch(701); // CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: refused, not sticky
        KilnException e = assertThrows(KilnException.class, () -> x.mul(x));
        assertTrue(e.getMessage().contains("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES") && e.getMessage().contains("kiln_mul"), e.getMessage());
        assertTrue(e.getMessage().contains("CudaRuntimeTest.java"), e.getMessage());
        assertArrayEquals(new double[] {1, 4}, values(x.mul(x)), "the next launch runs");
    }

    @Test
    void threadsShareTheDeviceThroughItsOwnThread() throws Exception {
        // the mock refuses a call from a thread without the context: every call must go through the device's thread
        Tensor x = Props.normal(Shape.of(50), 7);
        Tensor xc = x.to(CUDA);
        double expected = x.mul(x).sum().item();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Double>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> xc.mul(xc).sum().item()));
            }
            for (Future<Double> f : results) {
                assertEquals(expected, f.get(), 1e-12);
            }
        }
    }
}
