package dev.kiln.tests;

import dev.kiln.*;
import dev.kiln.internal.Tensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void zeroDimIsNotShapeOne() {
        Tensor s = Tensor.randn();
        assertEquals(Shape.scalar(), s.shape());
        assertEquals(0, s.dim());
        assertNotEquals(Shape.of(1), s.shape());
        assertEquals(Shape.of(1), Tensor.randn(1).shape());
    }

    @Test
    void linspaceHitsBothEndsExactly() {
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        float[] v = x.toFloatArray();
        assertEquals(2000, v.length);
        assertEquals((float) -Math.PI, v[0]);
        assertEquals((float) Math.PI, v[1999]);
        assertEquals(DType.FLOAT32, x.dtype());
        assertEquals((float) (-Math.PI + 2 * Math.PI * 700 / 1999), v[700], 1e-6);
    }

    @Test
    void linspaceOfOneStepIsItsStartAsPyTorchs() {
        // torch.linspace(2., 5., 1) is tensor([2.])
        assertArrayEquals(new double[] {2}, Tensor.linspace(2, 5, 1, DType.FLOAT64).toDoubleArray());
        assertArrayEquals(new double[] {2, 5}, Tensor.linspace(2, 5, 2, DType.FLOAT64).toDoubleArray());
        assertEquals(0, Tensor.linspace(2, 5, 0).numel());
    }

    @Test
    void factoriesHavePyTorchDefaultTypes() {
        assertEquals(DType.INT64, Tensor.of(1L, 2L, 3L).dtype());
        assertEquals(DType.FLOAT32, Tensor.of(1.0, 2.0).dtype());
        assertEquals(DType.INT64, Tensor.arange(5).dtype());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, Tensor.arange(5).toLongArray());
        assertArrayEquals(new long[] {5, 3, 1}, Tensor.arange(5, 0, -2).toLongArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(Shape.of(2), 7).toFloatArray());
    }

    @Test
    void seededDrawsRepeatAndDiffer() {
        Kiln.manualSeed(42);
        double a = Tensor.randn().item();
        double b = Tensor.randn().item();
        Kiln.manualSeed(42);
        assertEquals(a, Tensor.randn().item());
        assertEquals(b, Tensor.randn().item());
        assertNotEquals(a, b);
        Generator g = new Generator(42);
        assertEquals(a, Tensor.randn(Shape.scalar(), DType.FLOAT32, g).item());
    }

    @Test
    void randomDrawsHaveTheRightMoments() {
        Tensor n = Tensor.randn(Shape.of(100_000), DType.FLOAT64, new Generator(7));
        double mean = n.mean().item();
        double var = n.sub(mean).pow(2).mean().item();
        assertEquals(0, mean, 0.02);
        assertEquals(1, var, 0.02);
        Tensor u = Tensor.rand(Shape.of(100_000), DType.FLOAT32, new Generator(7));
        assertEquals(0.5, u.mean().item(), 0.01);
        assertTrue(u.max().item() < 1.0);
        assertTrue(u.neg().max().item() <= 0.0);
    }

    @Test
    void viewsShareStorageAndInPlaceWritesThroughEveryView() {
        Tensor base = Tensor.arange(6).to(DType.FLOAT32).reshape(2, 3);
        Tensor col = base.select(1, 1);
        Tensor transposed = base.t();
        assertSame(Tensors.data(base).storage(), Tensors.data(col).storage());
        assertSame(Tensors.data(base).storage(), Tensors.data(transposed).storage());
        assertArrayEquals(new float[] {1, 4}, col.toFloatArray());
        col.add_(10.0);
        assertArrayEquals(new float[] {0, 11, 2, 3, 14, 5}, base.toFloatArray());
        assertArrayEquals(new float[] {0, 3, 11, 14, 2, 5}, transposed.toFloatArray());
        assertFalse(transposed.isContiguous());
    }

    @Test
    void reshapeCopiesOnlyWhenTheLayoutDemands() {
        Tensor m = Tensor.arange(6).reshape(2, 3);
        assertSame(Tensors.data(m).storage(), Tensors.data(m.reshape(3, 2)).storage());
        Tensor t = m.t();
        Tensor flat = t.reshape(6);
        assertArrayEquals(new long[] {0, 3, 1, 4, 2, 5}, flat.toLongArray());
        assertNotEquals(System.identityHashCode(Tensors.data(t).storage()), System.identityHashCode(Tensors.data(flat).storage()));
        KilnException e = assertThrows(KilnException.class, () -> t.view(6));
        assertTrue(e.getMessage().contains("non-contiguous"), e.getMessage());
        assertEquals(Shape.of(3, 2), m.reshape(-1, 2).shape());
    }

    @Test
    void movementConveniences() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        assertEquals(Shape.of(2, 1, 3, 4), x.unsqueeze(1).shape());
        assertEquals(Shape.of(2, 3, 4, 1), x.unsqueeze(-1).shape());
        assertEquals(Shape.of(2, 12), x.flatten(1, 2).shape());
        assertEquals(Shape.of(24), x.flatten().shape());
        assertEquals(Shape.of(4, 3, 2), x.permute(2, 1, 0).shape());
        assertEquals(Shape.of(2, 3), x.unsqueeze(0).select(3, 1).squeeze(0).shape());
        assertArrayEquals(new long[] {1, 3}, x.get(0, 0).slice(0, 1, 4, 2).toLongArray());
        assertArrayEquals(new long[] {23}, x.get(1, 2, 3).reshape(1).toLongArray());
        assertEquals(Shape.of(2, 3, 4), x.unsqueeze(0).expand(-1, -1, -1, -1).squeeze(0).shape());
        Tensor n1 = Tensor.arange(3).reshape(3, 1);
        assertEquals(Shape.of(3), n1.flatten(0, 1).shape());
    }

    @Test
    void matmulFollowsTorchMatmulShapes() {
        Tensor a = Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3);
        Tensor b = Tensor.arange(12).to(DType.FLOAT64).reshape(3, 4);
        Tensor v = Tensor.of(DType.FLOAT64, 1, 2, 3);
        assertArrayEquals(new double[] {20, 23, 26, 29, 56, 68, 80, 92}, a.matmul(b).toDoubleArray());
        assertArrayEquals(new double[] {8, 26}, a.matmul(v).toDoubleArray());
        assertEquals(Shape.of(4), v.matmul(b).shape());
        assertEquals(Shape.scalar(), v.matmul(v).shape());
        assertEquals(14.0, v.matmul(v).item());
        Tensor batch = Tensor.randn(Shape.of(5, 2, 3), DType.FLOAT64, new Generator(1));
        assertEquals(Shape.of(5, 2, 4), batch.matmul(b).shape());
        assertArrayEquals(a.matmul(b).toDoubleArray(),
                a.unsqueeze(0).expand(5, 2, 3).matmul(b).select(0, 3).toDoubleArray());
    }

    @Test
    void powIsExactForIntegerExponentsOfNegativeBases() {
        Tensor x = Tensor.of(-2.0, -0.5, 3.0);
        assertArrayEquals(new float[] {-8f, -0.125f, 27f}, x.pow(3).toFloatArray());
        Tensor p = Tensor.of(1L, 2L, 3L);
        Tensor xx = Tensor.of(-2.0).unsqueeze(-1).pow(p);
        assertEquals(DType.FLOAT32, xx.dtype());
        assertArrayEquals(new float[] {-2, 4, -8}, xx.toFloatArray());
        assertArrayEquals(new long[] {1, 4, 9}, p.pow(2).toLongArray());
    }

    @Test
    void reductions() {
        Tensor x = Tensor.arange(6).to(DType.FLOAT64).reshape(2, 3);
        assertEquals(15.0, x.sum().item());
        assertArrayEquals(new double[] {3, 5, 7}, x.sum(0).toDoubleArray());
        assertEquals(Shape.of(2, 1), x.sum(new int[] {1}, true).shape());
        assertEquals(2.5, x.mean().item());
        assertEquals(5.0, x.max().item());
        assertArrayEquals(new double[] {2, 5}, x.amax(new int[] {-1}, false).toDoubleArray());
        assertEquals(DType.INT64, Tensor.of(1L, 2L).sum().dtype());
        assertEquals(2L, Tensor.of(1.0, -1.0, 2.0).gt(0.0).sum().toLongArray()[0]);
        assertThrows(KilnException.class, () -> Tensor.arange(3).mean());
    }

    @Test
    void comparisonsWhereAndActivations() {
        Tensor x = Tensor.of(-1.0, 0.0, 2.0);
        assertEquals(DType.BOOL, x.gt(0.0).dtype());
        assertArrayEquals(new float[] {0, 0, 2}, x.relu().toFloatArray());
        assertArrayEquals(new float[] {5, 5, 2}, Tensor.where(x.gt(0.0), x, Tensor.scalar(5)).toFloatArray());
        assertEquals(0.5, Tensor.scalar(0).sigmoid().item(), 1e-7);
        assertEquals(Math.tanh(0.3), Tensor.scalar(0.3, DType.FLOAT64).tanh().item(), 1e-15);
        assertArrayEquals(new float[] {-1, 0, 2}, x.maximum(Tensor.scalar(-5)).toFloatArray());
        assertArrayEquals(new float[] {-1, 0, 0}, x.minimum(Tensor.scalar(0)).toFloatArray());
    }

    @Test
    void inPlaceChecksBeforeWriting() {
        Tensor x = Tensor.of(1.0, 2.0);
        int version = Tensors.data(x).storage().version();
        assertThrows(KilnException.class, () -> x.add_(Tensor.of(1.0, 2.0, 3.0)));
        assertThrows(KilnException.class, () -> Tensor.of(1L, 2L).add_(Tensor.of(0.5, 0.5)));
        assertEquals(version, Tensors.data(x).storage().version());
        assertArrayEquals(new float[] {1, 2}, x.toFloatArray());
        x.sub_(Tensor.scalar(1));
        assertArrayEquals(new float[] {0, 1}, x.toFloatArray());
        assertEquals(version + 1, Tensors.data(x).storage().version());
        x.fill_(3);
        x.mul_(2);
        x.div_(Tensor.of(2.0, 3.0));
        assertArrayEquals(new float[] {3, 2}, x.toFloatArray());
        x.zero_();
        assertArrayEquals(new float[] {0, 0}, x.toFloatArray());
    }

    @Test
    void aFractionalScalarIntoAnIntegerTensorInPlaceIsRefusedNotTruncated() {
        // PyTorch: torch.tensor([1, 2, 3]).mul_(0.5) raises "result type Float can't be cast to ... Long"
        Tensor t = Tensor.of(1L, 2L, 3L);
        int version = Tensors.data(t).storage().version();
        for (java.util.function.Function<Tensor, Tensor> op : java.util.List.<java.util.function.Function<Tensor, Tensor>>of(
                x -> x.add_(0.5), x -> x.sub_(0.5), x -> x.mul_(0.5), x -> x.mul_(Double.NaN), x -> x.add_(Double.POSITIVE_INFINITY))) {
            KilnException e = assertThrows(KilnException.class, () -> op.apply(t));
            assertTrue(e.getMessage().contains("not a whole number") && e.getMessage().contains("int64")
                    && e.getMessage().contains("TensorTest.java:"), e.getMessage());
        }
        assertThrows(KilnException.class, () -> t.div_(2));
        String traced = assertThrows(KilnException.class, () -> Kiln.compile(in -> in[0].mul_(0.5)).call(Tensor.of(1L, 2L))).getMessage();
        assertTrue(traced.contains("not a whole number"), traced);
        assertEquals(version, Tensors.data(t).storage().version());
        assertArrayEquals(new double[] {1, 2, 3}, t.toDoubleArray());
        // a whole number stays an integer scalar (Java cannot tell 2L from 2.0), as BatchNorm's counter needs
        t.add_(1L).mul_(2.0).sub_(1);
        assertArrayEquals(new double[] {3, 5, 7}, t.toDoubleArray());
        assertArrayEquals(new double[] {0.5, 1}, Tensor.of(1.0, 2.0).mul_(0.5).toDoubleArray());
    }

    @Test
    void aBadDeviceStringIsAKilnExceptionNamingIt() {
        assertEquals(new Device("cuda", 1), Device.parse("cuda:1"));
        assertEquals(new Device("cuda", 0), Device.parse("cuda"));
        assertEquals(Device.CPU, Device.parse("cpu"));
        // torch.device("cuda:x") raises "Invalid device string: 'cuda:x'"
        for (String bad : new String[] {"cuda:x", "cuda:", "cuda:-1", ":0", "", "cuda:99999999999", "cuda:1:2"}) {
            KilnException e = assertThrows(KilnException.class, () -> Device.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("TensorTest.java:"), e.getMessage());
        }
        assertThrows(KilnException.class, () -> Device.parse(null));
    }

    @Test
    void itemNeedsOneElement() {
        KilnException e = assertThrows(KilnException.class, () -> Tensor.zeros(2).item());
        assertTrue(e.getMessage().contains("[2]"), e.getMessage());
        assertEquals(0.0, Tensor.zeros(1, 1).item());
    }

    @Test
    void printsLikePyTorch() {
        // a tensor off the CPU names its device, as PyTorch's do (the suite also runs on another device)
        Device d = Kiln.defaultDevice();
        String on = d.equals(Device.CPU) ? "" : ", device=" + d;
        assertEquals("tensor([1.0000, 2.5000], shape=[2], dtype=float32" + on + ")", Tensor.of(1.0, 2.5).toString());
        assertEquals("tensor([1, 2], shape=[2], dtype=int64" + on + ")", Tensor.of(1L, 2L).toString());
        assertEquals("tensor(0.5000, shape=[], dtype=float64" + on + ", requiresGrad=true)",
                Tensor.scalar(0.5, DType.FLOAT64).requiresGrad_(true).toString());
        assertEquals("tensor([[0, 1, 2],\n        [3, 4, 5]], shape=[2, 3], dtype=int64" + on + ")",
                Tensor.arange(6).reshape(2, 3).toString());
        String big = Tensor.linspace(1, 2, 2001).toString();
        assertTrue(big.startsWith("tensor([1.0000, 1.0005, 1.0010, ..., 1.9990, 1.9995, 2.0000], shape=[2001]"), big);
        // Like PyTorch, a wide range of magnitudes switches to scientific notation.
        assertTrue(Tensor.linspace(0, 1, 2000).toString().startsWith("tensor([0.0000e+00, 5.0025e-04"));
        assertTrue(Tensor.of(1e-6, 1.0).toString().contains("1.0000e-06"));
        Tensor y = Tensor.of(1.0).requiresGrad_(true).mul(2.0);
        assertTrue(y.toString().endsWith("gradFn=mul)"), y.toString());
    }
}
