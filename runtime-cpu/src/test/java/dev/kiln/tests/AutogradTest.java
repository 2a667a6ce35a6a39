package dev.kiln.tests;

import dev.kiln.*;
import dev.kiln.internal.Tensors;
import dev.kiln.spi.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutogradTest {
    private static Tensor leaf(double... v) {
        return Tensor.of(DType.FLOAT64, v).requiresGrad_(true);
    }

    @Test
    void backwardOfTheSeedsLoss() {
        Tensor x = Tensor.linspace(-1, 1, 5, DType.FLOAT64);
        Tensor a = Tensor.scalar(0.1, DType.FLOAT64).requiresGrad_(true);
        Tensor b = Tensor.scalar(0.2, DType.FLOAT64).requiresGrad_(true);
        Tensor loss = a.add(b.mul(x)).sub(x.sin()).pow(2).sum();
        loss.backward();
        double ga = 0;
        double gb = 0;
        for (double xi : x.toDoubleArray()) {
            double r = 0.1 + 0.2 * xi - Math.sin(xi);
            ga += 2 * r;
            gb += 2 * r * xi;
        }
        assertEquals(ga, a.grad().item(), 1e-12);
        assertEquals(gb, b.grad().item(), 1e-12);
        assertEquals(Shape.scalar(), a.grad().shape());
        assertNull(x.grad());
    }

    @Test
    void gradsAccumulateUntilCleared() {
        Tensor w = leaf(1, 2);
        w.mul(3.0).sum().backward();
        w.mul(3.0).sum().backward();
        assertArrayEquals(new double[] {6, 6}, w.grad().toDoubleArray());
        w.clearGrad();
        assertNull(w.grad());
        w.mul(w).sum().backward();
        assertArrayEquals(new double[] {2, 4}, w.grad().toDoubleArray());
    }

    @Test
    void explicitGradientForNonScalarOutputs() {
        Tensor w = leaf(1, 2, 3);
        w.mul(w).backward(Tensor.of(DType.FLOAT64, 1, 0, -1));
        assertArrayEquals(new double[] {2, 0, -6}, w.grad().toDoubleArray());
        KilnException e = assertThrows(KilnException.class, () -> w.mul(2.0).backward());
        assertTrue(e.getMessage().contains("one-element"), e.getMessage());
        assertThrows(KilnException.class, () -> w.mul(2.0).backward(Tensor.ones(2)));
    }

    @Test
    void broadcastingIsUndoneBySumming() {
        Tensor row = Tensor.of(DType.FLOAT64, 1, 2, 3).requiresGrad_(true);
        Tensor col = Tensor.of(DType.FLOAT64, 1, 10).reshape(2, 1).detach().requiresGrad_(true);
        row.mul(col).sum().backward();
        assertArrayEquals(new double[] {11, 11, 11}, row.grad().toDoubleArray());
        assertArrayEquals(new double[] {6, 6}, col.grad().toDoubleArray());
        assertEquals(Shape.of(2, 1), col.grad().shape());
    }

    @Test
    void weightSharingAccumulates() {
        Tensor e = Tensor.scalar(0.5, DType.FLOAT64).requiresGrad_(true);
        Tensor x = Tensor.of(DType.FLOAT64, 1, 2);
        // DynamicNet's pattern: the same weight in several terms.
        Tensor y = e.mul(x.pow(4)).add(e.mul(x.pow(5))).sum();
        y.backward();
        assertEquals(1 + 1 + 16 + 32, e.grad().item(), 1e-12);
    }

    @Test
    void noGradScopeRecordsNothingAndNests() {
        Tensor w = leaf(1);
        try (var g = Kiln.noGrad()) {
            assertFalse(w.mul(2.0).requiresGrad());
            try (var inner = Kiln.enableGrad()) {
                assertTrue(w.mul(2.0).requiresGrad());
            }
            assertFalse(Kiln.isGradEnabled());
        }
        assertTrue(Kiln.isGradEnabled());
        assertTrue(w.mul(2.0).requiresGrad());
    }

    @Test
    void gradModeBelongsToTheCallingThread() throws Exception {
        try (var g = Kiln.noGrad()) {
            boolean[] other = new boolean[1];
            Thread t = new Thread(() -> other[0] = Kiln.isGradEnabled());
            t.start();
            t.join();
            assertTrue(other[0]);
        }
    }

    @Test
    void detachAndItemHoldNoGraph() {
        Tensor w = leaf(1, 2);
        Tensor y = w.mul(2.0);
        Tensor d = y.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        assertEquals(Tensors.data(y).storage(), Tensors.data(d).storage());
        // A user keeping every step's loss value must not keep every step's graph alive.
        List<Double> losses = new ArrayList<>();
        WeakReference<Tensor> lastIntermediate = null;
        for (int i = 0; i < 3; i++) {
            Tensor h = w.mul(3.0);
            lastIntermediate = new WeakReference<>(h);
            Tensor loss = h.sum();
            losses.add(loss.item());
            h = null;
            loss = null;
        }
        for (int i = 0; i < 20 && lastIntermediate.get() != null; i++) {
            System.gc();
        }
        assertNull(lastIntermediate.get());
        assertEquals(3, losses.size());
    }

    @Test
    void cachedBackwardPlansDoNotKeepActivationsAlive() {
        Tensor w = Tensor.ones(1000).requiresGrad_(true);
        for (int step = 0; step < 2; step++) { // the second backward reuses the cached plan
            Tensor h = w.mul(3.0);
            WeakReference<Storage> activation = new WeakReference<>(Tensors.data(h).storage());
            h.mul(h).sum().backward();
            h = null;
            for (int i = 0; i < 20 && activation.get() != null; i++) {
                System.gc();
            }
            assertNull(activation.get(), "step " + step + ": the activation is still reachable");
        }
    }

    @Test
    void backwardFreesTheGraphUnlessRetained() {
        Tensor w = leaf(2);
        Tensor y = w.mul(w).sum();
        y.backward();
        KilnException e = assertThrows(KilnException.class, y::backward);
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
        assertArrayEquals(new double[] {4}, w.grad().toDoubleArray());

        Tensor z = w.mul(w).sum();
        Autograd.backward(z, null, true, false);
        Autograd.backward(z, null, false, false);
        assertArrayEquals(new double[] {12}, w.grad().toDoubleArray());
    }

    @Test
    void secondDerivativeOfCubeIsSixX() {
        Tensor x = leaf(-1.5, 0.5, 2);
        Tensor y = x.pow(3).sum();
        Tensor dy = Autograd.grad(y, List.of(x), null, false, true).get(0);
        assertArrayEquals(new double[] {6.75, 0.75, 12}, dy.toDoubleArray(), 1e-12);
        assertTrue(dy.requiresGrad());
        dy.sum().backward();
        assertArrayEquals(new double[] {-9, 3, 12}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void hessianVectorProduct() {
        // f(x) = sum(x0^2 x1 + sin(x1) x2): H v computed as grad(grad(f) . v)
        Tensor x = leaf(0.3, -0.7, 1.1);
        Tensor x0 = x.select(0, 0);
        Tensor x1 = x.select(0, 1);
        Tensor x2 = x.select(0, 2);
        Tensor f = x0.pow(2).mul(x1).add(x1.sin().mul(x2));
        Tensor g = Autograd.grad(f, List.of(x), null, true, true).get(0);
        Tensor v = Tensor.of(DType.FLOAT64, 1, -2, 0.5);
        Tensor hv = Autograd.grad(g.mul(v).sum(), x).get(0);
        double a = 0.3;
        double b = -0.7;
        double c = 1.1;
        double[][] h = {
            {2 * b, 2 * a, 0},
            {2 * a, -Math.sin(b) * c, Math.cos(b)},
            {0, Math.cos(b), 0}};
        double[] vv = {1, -2, 0.5};
        for (int i = 0; i < 3; i++) {
            double expected = h[i][0] * vv[0] + h[i][1] * vv[1] + h[i][2] * vv[2];
            assertEquals(expected, hv.toDoubleArray()[i], 1e-12);
        }
    }

    @Test
    void gradOfIntermediateTensors() {
        Tensor w = leaf(1, 2);
        Tensor h = w.mul(3.0);
        Tensor y = h.pow(2).sum();
        List<Tensor> g = Autograd.grad(y, List.of(h, w), null, false, false);
        assertArrayEquals(new double[] {6, 12}, g.get(0).toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {18, 36}, g.get(1).toDoubleArray(), 1e-12);
        assertNull(w.grad());
    }

    @Test
    void inPlaceChangeOfASavedValueFailsAtBackward() {
        Tensor w = leaf(1, 2);
        Tensor h = w.mul(2.0);
        Tensor y = h.mul(h).sum();
        try (var g = Kiln.noGrad()) {
            h.add_(1.0);
        }
        KilnException e = assertThrows(KilnException.class, y::backward);
        assertTrue(e.getMessage().contains("modified by an in-place operation"), e.getMessage());
        assertNull(w.grad());
    }

    @Test
    void inPlaceChangeOfAValueNoRuleReadsIsFine() {
        Tensor w = leaf(1, 2);
        Tensor h = w.mul(2.0);
        Tensor y = h.add(1.0).sum();
        try (var g = Kiln.noGrad()) {
            h.add_(1.0);
        }
        y.backward();
        assertArrayEquals(new double[] {2, 2}, w.grad().toDoubleArray());
    }

    @Test
    void inPlaceOnNonLeafIsRecorded() {
        Tensor w = leaf(1, 2);
        Tensor h = w.mul(2.0);
        h.add_(w);
        h.mul_(3.0);
        h.sum().backward();
        assertArrayEquals(new double[] {9, 9}, w.grad().toDoubleArray());
    }

    @Test
    void theSeedsManualUpdate() {
        Tensor a = Tensor.scalar(1).requiresGrad_(true);
        a.mul(a).backward();
        try (var g = Kiln.noGrad()) {
            a.sub_(a.grad().mul(0.25));
            a.clearGrad();
        }
        assertEquals(0.5, a.item());
        assertTrue(a.requiresGrad());
        assertTrue(a.isLeaf());
        assertNull(a.grad());
    }

    @Test
    void requiresGradNeedsAFloatingLeaf() {
        assertThrows(KilnException.class, () -> Tensor.arange(3).requiresGrad_(true));
        Tensor y = leaf(1).mul(2.0);
        assertThrows(KilnException.class, () -> y.requiresGrad_(false));
        assertFalse(leaf(1).gt(0.0).requiresGrad());
    }

    @Test
    void anomalyModeNamesTheForwardOp() {
        Tensor x = leaf(0, 1);
        try (var anomaly = Kiln.detectAnomaly()) {
            Tensor y = x.sqrt().sum();
            KilnException e = assertThrows(KilnException.class, y::backward);
            assertTrue(e.getMessage().contains("'sqrt'"), e.getMessage());
            assertTrue(e.getMessage().contains("AutogradTest.java:"), e.getMessage());
        }
        assertNull(x.grad());
    }
}
