package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.testing.GradCheck;
import dev.kiln.nn.BCELoss;
import dev.kiln.nn.BCEWithLogitsLoss;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Functional;
import dev.kiln.nn.HuberLoss;
import dev.kiln.nn.L1Loss;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Module;
import dev.kiln.nn.NLLLoss;
import dev.kiln.nn.Parameter;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Sigmoid;
import dev.kiln.nn.SmoothL1Loss;
import dev.kiln.nn.Tanh;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NnTest {
    /** Two layers sharing one weight, inside a container. */
    static final class Tied extends Module {
        final Linear first = module("first", new Linear(2, 2));
        final Tensor scale = parameter("scale", Tensor.ones(1));
        final Linear second = module("second", new Linear(2, 2));

        Tied() {
            second.registerParameter("tied", first.weight);
        }

        @Override
        public Tensor forward(Tensor x) {
            return second.forward(first.forward(x)).mul(scale);
        }
    }

    @Test
    void parametersAreOrderedWithDottedPathsAndSharedOnesOnce() {
        Tied m = new Tied();
        assertEquals(List.of("scale", "first.weight", "first.bias", "second.weight", "second.bias"),
                List.copyOf(m.namedParameters().keySet()));
        assertEquals(5, m.parameters().size());
        assertSame(m.scale, m.parameters().getFirst());
        assertEquals(List.of("scale", "first.weight", "first.bias", "second.weight", "second.bias", "second.tied"),
                List.copyOf(m.stateDict().keySet()));
        assertEquals(List.of(m.first, m.second), m.children());
    }

    @Test
    void trainEvalReachEveryModule() {
        Tied m = new Tied();
        assertTrue(m.second.isTraining());
        m.eval();
        assertFalse(m.isTraining());
        assertFalse(m.second.isTraining());
        m.train();
        assertTrue(m.first.isTraining());
    }

    @Test
    void zeroGradClearsEveryGradient() {
        Tied m = new Tied();
        m.forward(Tensor.ones(3, 2)).sum().backward();
        assertTrue(m.parameters().stream().allMatch(p -> p.grad() != null));
        m.zeroGrad();
        assertTrue(m.parameters().stream().allMatch(p -> p.grad() == null));
    }

    @Test
    void printsTheModuleTreeLikePyTorch() {
        Sequential model = new Sequential(new Linear(3, 1), new Flatten(0, 1));
        assertEquals("""
                Sequential(
                  (0): Linear(in_features=3, out_features=1, bias=True)
                  (1): Flatten(start_dim=0, end_dim=1)
                )""", model.toString());
        assertEquals("""
                Sequential(
                  (0): Sequential(
                    (0): ReLU()
                  )
                  (1): MSELoss()
                )""", new Sequential(new Sequential(new ReLU()), new MSELoss(Reduction.SUM)).toString());
    }

    @Test
    void stateDictRoundTripAndStrictChecks() {
        Sequential a = new Sequential(new Linear(3, 2));
        Sequential b = new Sequential(new Linear(3, 2));
        b.loadStateDict(a.stateDict(), true);
        Linear la = a.get(0);
        Linear lb = b.get(0);
        assertArrayEquals(la.weight.toFloatArray(), lb.weight.toFloatArray());
        assertArrayEquals(la.bias.toFloatArray(), lb.bias.toFloatArray());
        assertTrue(lb.weight.isLeaf() && lb.weight.requiresGrad());

        float[] before = lb.weight.toFloatArray();
        Map<String, Tensor> missing = Map.of("0.weight", Tensor.zeros(2, 3));
        KilnException e = assertThrows(KilnException.class, () -> b.loadStateDict(missing, true));
        assertTrue(e.getMessage().contains("missing keys [0.bias]"), e.getMessage());
        assertArrayEquals(before, lb.weight.toFloatArray());
        b.loadStateDict(missing, false);
        assertArrayEquals(new float[6], lb.weight.toFloatArray());

        Map<String, Tensor> wrong = Map.of("0.weight", Tensor.ones(3, 2), "0.bias", Tensor.ones(2));
        KilnException shape = assertThrows(KilnException.class, () -> b.loadStateDict(wrong, true));
        assertTrue(shape.getMessage().contains("size mismatch for 0.weight"), shape.getMessage());
        assertArrayEquals(new float[6], lb.weight.toFloatArray());
        assertArrayEquals(la.bias.toFloatArray(), lb.bias.toFloatArray()); // nothing half-written
    }

    @Test
    void linearMatchesItsFormulaAndPyTorchsInit() {
        Linear l = new Linear(4, 3, true, new Generator(11));
        assertEquals(Shape.of(3, 4), l.weight.shape());
        Tensor x = Tensor.randn(Shape.of(5, 4), DType.FLOAT32, new Generator(1));
        float[] y = l.forward(x).toFloatArray();
        float[] w = l.weight.toFloatArray();
        float[] bias = l.bias.toFloatArray();
        float[] xv = x.toFloatArray();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                double s = bias[j];
                for (int k = 0; k < 4; k++) {
                    s += xv[i * 4 + k] * w[j * 4 + k];
                }
                assertEquals(s, y[i * 3 + j], 1e-5);
            }
        }
        assertEquals(Shape.of(3), l.forward(Tensor.ones(4)).shape());
        Linear big = new Linear(100, 300, true, new Generator(2));
        double bound = 0.1;
        assertTrue(big.weight.abs().max().item() <= bound);
        assertEquals(0, big.weight.mean().item(), 0.01);
        assertEquals(bound * bound / 3, big.weight.pow(2).mean().item(), 0.0005);
        assertTrue(big.bias.abs().max().item() <= bound);
        assertNull(new Linear(2, 2, false, new Generator(1)).bias);
    }

    @Test
    void mseLossReductions() {
        Tensor p = Tensor.of(1.0, 2.0, 4.0);
        Tensor t = Tensor.of(0.0, 2.0, 1.0);
        assertArrayEquals(new float[] {1, 0, 9}, new MSELoss(Reduction.NONE).forward(p, t).toFloatArray());
        assertEquals(10.0, new MSELoss(Reduction.SUM).forward(p, t).item());
        assertEquals(10.0 / 3, new MSELoss().forward(p, t).item(), 1e-6);
        GradCheck.check(xs -> new MSELoss().forward(xs.get(0), xs.get(1)), List.of(
                Tensor.of(DType.FLOAT64, 0.5, 1, 2), Tensor.of(DType.FLOAT64, 3, 1, -1)), GradCheck.defaults()).assertPassed();
    }

    @Test
    void mseLossRefusesTheBroadcastTrap() {
        Tensor prediction = Tensor.zeros(2000, 1);
        Tensor target = Tensor.zeros(2000);
        KilnException e = assertThrows(KilnException.class,
                () -> new MSELoss(Reduction.SUM).forward(prediction, target));
        assertTrue(e.getMessage().contains("prediction shape [2000, 1] and target shape [2000] differ"), e.getMessage());
        assertTrue(e.getMessage().contains("[2000, 2000]"), e.getMessage());
        assertTrue(e.getMessage().contains("Flatten(0, 1)"), e.getMessage());
        assertThrows(KilnException.class, () -> new MSELoss().forward(Tensor.zeros(3), Tensor.zeros(4)));
    }

    @Test
    void activationsAndFlatten() {
        Tensor x = Tensor.of(-1.0, 0.5);
        assertArrayEquals(new float[] {0, 0.5f}, new ReLU().forward(x).toFloatArray());
        assertArrayEquals(new float[] {(float) Math.tanh(-1.0), (float) Math.tanh(0.5)}, new Tanh().forward(x).toFloatArray(),
                1e-7f);
        assertArrayEquals(new float[] {(float) (1 / (1 + Math.exp(1.0))), (float) (1 / (1 + Math.exp(-0.5)))},
                new Sigmoid().forward(x).toFloatArray(), 1e-7f);
        assertEquals(Shape.of(2, 12), new Flatten().forward(Tensor.zeros(2, 3, 4)).shape());
        assertEquals(Shape.of(6), new Flatten(0, 1).forward(Tensor.zeros(6, 1)).shape());
    }

    @Test
    void registrationErrors() {
        class Bad extends Module {
            Bad() {
                parameter("w", Tensor.ones(1));
                parameter("w", Tensor.ones(1));
            }
        }
        KilnException e = assertThrows(KilnException.class, Bad::new);
        assertTrue(e.getMessage().contains("already has a member named 'w'"), e.getMessage());
        assertThrows(KilnException.class, () -> Parameter.of(Tensor.arange(3)));
        assertThrows(KilnException.class, () -> new MSELoss().forward(Tensor.ones(1)));
    }

    @Test
    void theFunctionalFormsTakePytorchsDefaultsWhenGivenOnlyTheirTensors() {
        Tensor logits = Tensor.of(DType.FLOAT64, 0.5, -1, 2, 0.25, 3, -2).reshape(2, 3);
        Tensor classes = Tensor.of(2L, -100L);
        Tensor x = Tensor.of(DType.FLOAT64, -3, -0.5, 0, 0.75, 30);
        Tensor y = Tensor.of(DType.FLOAT64, 0, 1, 1, 0, 1);
        Tensor p = Tensor.of(DType.FLOAT64, 0.1, 0.5, 0.9, 0.3, 0.7);
        int ignore = Functional.IGNORE_INDEX;
        List<Tensor[]> pairs = List.of(
                new Tensor[] {Functional.crossEntropy(logits, classes), Functional.crossEntropy(logits, classes, null, ignore, 0, Reduction.MEAN)},
                new Tensor[] {Functional.nllLoss(logits, classes), Functional.nllLoss(logits, classes, null, ignore, Reduction.MEAN)},
                new Tensor[] {Functional.mseLoss(x, y), Functional.mseLoss(x, y, Reduction.MEAN)},
                new Tensor[] {Functional.l1Loss(x, y), Functional.l1Loss(x, y, Reduction.MEAN)},
                new Tensor[] {Functional.binaryCrossEntropy(p, y), Functional.binaryCrossEntropy(p, y, null, Reduction.MEAN)},
                new Tensor[] {Functional.binaryCrossEntropyWithLogits(x, y),
                        Functional.binaryCrossEntropyWithLogits(x, y, null, null, Reduction.MEAN)},
                new Tensor[] {Functional.leakyRelu(x), Functional.leakyRelu(x, 0.01)},
                new Tensor[] {Functional.softplus(x), Functional.softplus(x, 1, 20)},
                new Tensor[] {Functional.gelu(x), Functional.gelu(x, "none")});
        for (Tensor[] pair : pairs) {
            assertArrayEquals(pair[1].toDoubleArray(), pair[0].toDoubleArray(), 0.0);
        }
        // the one-row cross-entropy counts only the row not ignored: -log softmax(row 0)[2]
        double row0 = Math.log(Math.exp(0.5) + Math.exp(-1) + Math.exp(2)) - 2;
        assertEquals(row0, Functional.crossEntropy(logits, classes).item(), 1e-15);
    }

    @Test
    void everyLossRefusesANullReductionWhereItIsMade() {
        // nn.MSELoss(reduction=None) raises "None is not a valid value for reduction" when called; Kiln refuses it earlier
        List<java.util.function.Supplier<Module>> losses = List.of(() -> new MSELoss(null), () -> new L1Loss(null),
                () -> new HuberLoss(1.0, null), () -> new SmoothL1Loss(1.0, null), () -> new BCELoss(null, null),
                () -> new BCEWithLogitsLoss(null, null, null), () -> new NLLLoss(null, Functional.IGNORE_INDEX, null));
        for (var make : losses) {
            KilnException e = assertThrows(KilnException.class, make::get);
            assertTrue(e.getMessage().contains("reduction must not be null") && e.getMessage().contains("NnTest.java:"), e.getMessage());
        }
        String m = assertThrows(KilnException.class, () -> new NLLLoss(null, 0, null)).getMessage();
        assertTrue(m.startsWith("NLLLoss:"), m);
    }

    @Test
    void oneHotInfersTheClassesOnlyFromMinusOne() {
        Tensor index = Tensor.of(0L, 2L);
        assertArrayEquals(new long[] {1, 0, 0, 0, 0, 1}, Functional.oneHot(index, -1).toLongArray());
        // F.one_hot(torch.tensor([0, 2]), -2) raises; before, any negative count was read as -1
        for (int bad : new int[] {-2, Integer.MIN_VALUE}) {
            KilnException e = assertThrows(KilnException.class, () -> Functional.oneHot(index, bad));
            assertTrue(e.getMessage().contains("numClasses must be -1") && e.getMessage().contains("got " + bad)
                    && e.getMessage().contains("NnTest.java:"), e.getMessage());
        }
        // F.one_hot(torch.tensor([], dtype=torch.long)) raises "Can not infer total number of classes from empty tensor."
        Tensor empty = Tensor.of(new long[0]);
        KilnException e = assertThrows(KilnException.class, () -> Functional.oneHot(empty, -1));
        assertTrue(e.getMessage().contains("cannot infer the number of classes from an empty tensor"), e.getMessage());
        assertEquals(dev.kiln.Shape.of(0, 3), Functional.oneHot(empty, 3).shape());
    }

    @Test
    void smoothL1LossRefusesANegativeOrNanBetaAndTakesZeroAsL1() {
        Tensor x = Tensor.of(DType.FLOAT64, 1, 2);
        Tensor y = Tensor.of(DType.FLOAT64, 0, 2.5);
        // F.smooth_l1_loss(x, y, beta=0.0) is 0.75 (the L1 loss); beta=-1 and beta=nan raise
        assertEquals(0.75, Functional.smoothL1Loss(x, y, 0, Reduction.MEAN).item(), 0);
        for (double bad : new double[] {-1, Double.NaN}) {
            KilnException e = assertThrows(KilnException.class, () -> Functional.smoothL1Loss(x, y, bad, Reduction.MEAN));
            assertTrue(e.getMessage().contains("beta must be non-negative, got " + bad), e.getMessage());
            assertThrows(KilnException.class, () -> new SmoothL1Loss(bad, Reduction.MEAN).forward(x, y));
        }
    }
}
