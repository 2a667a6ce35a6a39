package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.internal.Tensors;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The emulator itself: shared memory is per block and __syncthreads() orders it; a divergent barrier is reported. */
class EmulatorTest {
    private static final String SOURCE = """
            KILN_ENTRY void reverse(const double* x, double* y) {
                __shared__ double tile[256];
                const long long base = (long long) blockIdx.x * blockDim.x;
                tile[threadIdx.x] = x[base + threadIdx.x];
                __syncthreads();
                y[base + threadIdx.x] = tile[blockDim.x - 1 - threadIdx.x];
            }

            KILN_ENTRY void divergent(double* y) {
                if (threadIdx.x == 3) {
                    return;
                }
                __syncthreads();
                y[threadIdx.x] = 1.0;
            }
            """;
    private static final CudaModule MODULE = new CudaModule(SOURCE, List.of(
            new CudaModule.Entry("reverse", List.of(new CudaModule.Param("x", "const double*"), new CudaModule.Param("y", "double*"))),
            new CudaModule.Entry("divergent", List.of(new CudaModule.Param("y", "double*")))), List.of());

    @BeforeAll
    static void gpp() {
        Assumptions.assumeTrue(Emulator.available(), "g++ is not on the PATH: the CUDA emulator cannot run");
    }

    private static CudaPlan plan(CudaPlan.Launch... launches) {
        Plan p = new Plan(List.of(new Plan.Buffer(DType.FLOAT64, Shape.of(768)), new Plan.Buffer(DType.FLOAT64, Shape.of(768))), 0,
                List.of(), List.of(0), List.of(1));
        return new CudaPlan(p, MODULE, List.of(launches), 0);
    }

    @Test
    void eachBlockHasItsSharedMemoryAndTheBarrierOrdersIt() {
        double[] x = new double[768];
        double[] expected = new double[768];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 256; t++) {
                expected[b * 256 + t] = b * 256 + 255 - t;
            }
        }
        try (Emulator emu = Emulator.compile(List.of(MODULE))) {
            CudaPlan p = plan(new CudaPlan.Launch("reverse", new int[] {3, 1, 1}, new int[] {256, 1, 1},
                    List.of(new CudaPlan.Arg.Buffer(0), new CudaPlan.Arg.Buffer(1)), "reverse each block"));
            for (int run = 0; run < 5; run++) {
                double[] y = Tensors.wrap(emu.run(p, List.of(Tensors.data(Tensor.of(x)))).getFirst()).toDoubleArray();
                assertArrayEquals(expected, y);
            }
        }
    }

    @Test
    void aDivergentSyncthreadsIsReportedNotHung() {
        try (Emulator emu = Emulator.compile(List.of(MODULE))) {
            CudaPlan p = plan(new CudaPlan.Launch("divergent", new int[] {2, 1, 1}, new int[] {64, 1, 1},
                    List.of(new CudaPlan.Arg.Buffer(1)), "thread 3 skips the barrier"));
            AssertionError e = assertThrows(AssertionError.class, () -> emu.run(p, List.of(Tensors.data(Tensor.zeros(768)))));
            assertTrue(e.getMessage().contains("divergent __syncthreads()"), e.getMessage());
        }
    }
}
