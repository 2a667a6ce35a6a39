package dev.kiln.cuda.missing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A machine without the CUDA driver, as the {@code cuda-missing-driver} execution makes it (a JVM of its
 * own, with {@code -Dkiln.cuda.driver} naming a file that does not exist): the first CUDA op fails with
 * an error that says what is missing and how to point Kiln at it, on the user's line; the CPU goes on.
 */
class CudaMissingDriverTest {
    @Test
    void theFirstCudaOpSaysWhatIsMissingAndHowToPointKilnAtIt() {
        // excluded from the other executions; an assumption too, as -Dtest=... runs it in every execution
        Assumptions.assumeTrue("/nonexistent/libcuda.so.1".equals(System.getProperty("kiln.cuda.driver")), "run by the cuda-missing-driver execution");
        assertTrue(!Device.cuda(0).isAvailable(), "asked without an exception, as torch.cuda.is_available()");
        Tensor x = Tensor.ones(2);
        for (int attempt = 0; attempt < 2; attempt++) {
            KilnException e = assertThrows(KilnException.class, () -> x.to(Device.cuda(0)));
            String m = e.getMessage();
            assertTrue(m.contains("CUDA is not available") && m.contains("/nonexistent/libcuda.so.1 was not found"), m);
            assertTrue(m.contains("-Dkiln.cuda.driver=PATH") && m.contains("KILN_CUDA_DRIVER"), m);
            assertTrue(m.contains("CudaMissingDriverTest.java:"), "the user's line, every time: " + m);
        }
        assertEquals(4.0, x.add(x).sum().item(), "the CPU is untouched");
    }
}
