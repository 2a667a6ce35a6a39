package usercode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Device;
import dev.kiln.KilnException;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import org.junit.jupiter.api.Test;

/** Errors name the problem and the user's own line; this package is outside Kiln's, like user code. */
class ErrorMessagesTest {
    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber() + 1;
    }

    private static void assertSite(KilnException e, int line) {
        assertEquals("ErrorMessagesTest.java:" + line, e.site(), e.getMessage());
        assertTrue(e.getMessage().endsWith("(at ErrorMessagesTest.java:" + line + ")"), e.getMessage());
    }

    @Test
    void broadcastMismatchNamesOpShapesAndLine() {
        Tensor a = Tensor.zeros(2000, 1);
        Tensor b = Tensor.zeros(3, 2);
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> a.mul(b));
        assertTrue(e.getMessage().startsWith("mul: shapes [2000, 1] and [3, 2] cannot be broadcast together"),
                e.getMessage());
        assertSite(e, line);
    }

    @Test
    void matmulMismatch() {
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("matMul"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertSite(e, line);
    }

    @Test
    void backwardOnNonScalarWithoutGradient() {
        Tensor w = Tensor.ones(3).requiresGrad_(true);
        Tensor y = w.mul(2.0);
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> y.backward());
        assertTrue(e.getMessage().contains("shape [3]"), e.getMessage());
        assertSite(e, line);
    }

    @Test
    void backwardOfATensorThatDoesNotRequireGrad() {
        Tensor y = Tensor.ones(1).mul(2.0);
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> y.backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
        assertSite(e, line);
    }

    @Test
    void inPlaceUpdateOfALeafOutsideNoGrad() {
        Tensor a = Tensor.scalar(1).requiresGrad_(true);
        a.mul(a).backward();
        double before = a.item();
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> a.sub_(a.grad().mul(0.1)));
        assertTrue(e.getMessage().contains("leaf tensor that requires grad"), e.getMessage());
        assertTrue(e.getMessage().contains("Kiln.noGrad()"), e.getMessage());
        assertSite(e, line);
        assertEquals(before, a.item());
    }

    @Test
    void mixingDevices() {
        Tensor cpu = Tensor.ones(2).to(Device.CPU);
        Tensor other = Tensor.ones(2).to(dev.kiln.tests.offheap.OffHeapBackend.DEVICE);
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> cpu.add(other));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("offheap:0"), e.getMessage());
        assertSite(e, line);
    }

    @Test
    void missingBackendNamesTheArtifact() {
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> Tensor.ones(2).to(Device.cuda(0)));
        assertTrue(e.getMessage().contains("kiln-runtime-cuda"), e.getMessage());
        assertSite(e, line);
    }

    @Test
    void secondBackward() {
        Tensor w = Tensor.ones(1).requiresGrad_(true);
        Tensor y = w.mul(w).sum();
        y.backward();
        int line = nextLine();
        KilnException e = assertThrows(KilnException.class, () -> y.backward());
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
        assertSite(e, line);
    }

    @Test
    void anomalyModeRecordsWhereTheBadOpWasCreated() {
        Tensor x = Tensor.of(0.0, 4.0).requiresGrad_(true);
        try (var anomaly = Kiln.detectAnomaly()) {
            int line = nextLine();
            Tensor y = x.log().sum();
            KilnException e = assertThrows(KilnException.class, y::backward);
            assertTrue(e.getMessage().contains("'log'"), e.getMessage());
            assertSite(e, line);
        }
    }
}
