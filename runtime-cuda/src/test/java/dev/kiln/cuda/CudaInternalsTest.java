package dev.kiln.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.cuda.mock.MockCuda;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runtime's parts that a user reaches only through errors and speed: the compilers, the disk cache, the libraries. */
class CudaInternalsTest {
    @BeforeAll
    static void mock() {
        MockCuda.install();
    }

    @Test
    void compiledModulesAreKeptOnDisk(@org.junit.jupiter.api.io.TempDir Path dir) {
        String old = System.getProperty("kiln.cuda.cacheDir");
        System.setProperty("kiln.cuda.cacheDir", dir.toString());
        try {
            Libraries libs = Libraries.fromEnvironment();
            ModuleCompiler first = new ModuleCompiler(libs, 9, 0);
            byte[] image = first.compile(RuntimeKernels.MODULE.source(), RuntimeKernels.MODULE.options());
            ModuleCompiler second = new ModuleCompiler(libs, 9, 0);
            assertArrayEquals(image, second.compile(RuntimeKernels.MODULE.source(), RuntimeKernels.MODULE.options()));
            assertEquals(1, first.compiled.get());
            assertEquals(0, second.compiled.get());
            assertEquals(1, second.loadedFromDisk.get(), "a second JVM would load it without compiling");
            assertNotEquals(0, dir.toFile().list().length);
        } finally {
            if (old == null) {
                System.clearProperty("kiln.cuda.cacheDir");
            } else {
                System.setProperty("kiln.cuda.cacheDir", old);
            }
        }
    }

    @Test
    void withoutNvrtcNvccCompilesACubin() {
        java.util.Optional<Path> nvcc = dev.kiln.cuda.emu.Nvcc.find();
        org.junit.jupiter.api.Assumptions.assumeTrue(nvcc.isPresent(), "nvcc is not on the PATH");
        String source = dev.kiln.codegen.cuda.CudaEmitter.deviceHelpers()
                + "KILN_ENTRY void twice(const double* x, double* y, long long n) {\n"
                + "    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) y[i] = 2 * x[i];\n}\n";
        String old = System.getProperty("kiln.cuda.diskCache");
        System.setProperty("kiln.cuda.diskCache", "false");
        try {
            ModuleCompiler c = new ModuleCompiler(new Libraries("libcuda.so.1", List.of("/nonexistent/libnvrtc.so"), nvcc.get()), 9, 0);
            assertTrue(c.describe().startsWith("nvcc ("), c.describe());
            byte[] cubin = c.compile(source, dev.kiln.codegen.cuda.CudaModule.OPTIONS);
            assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, java.util.Arrays.copyOf(cubin, 4), "an ELF image");
            assertEquals(190, (cubin[18] & 0xff) | (cubin[19] & 0xff) << 8, "for the CUDA machine (EM_CUDA), as the driver loads it");
        } finally {
            if (old == null) {
                System.clearProperty("kiln.cuda.diskCache");
            } else {
                System.setProperty("kiln.cuda.diskCache", old);
            }
        }
    }

    @Test
    void missingLibrariesSayHowToPointKilnAtThem() {
        CudaError driver = assertThrows(CudaError.class, () -> new Driver("/nonexistent/libcuda.so.1"));
        assertTrue(driver.getMessage().contains("/nonexistent/libcuda.so.1 was not found") && driver.getMessage().contains("-Dkiln.cuda.driver"),
                driver.getMessage());
        ModuleCompiler none = new ModuleCompiler(new Libraries("libcuda.so.1", List.of("/nonexistent/libnvrtc.so"), null), 9, 0);
        CudaError compiler = assertThrows(CudaError.class, () -> none.compile("", List.of()));
        assertTrue(compiler.getMessage().contains("-Dkiln.cuda.nvrtc") && compiler.getMessage().contains("nvcc"), compiler.getMessage());
        assertTrue(Files.exists(Path.of(Libraries.fromEnvironment().driver())), "the tests run on the mock driver");
    }
}
