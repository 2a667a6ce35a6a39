package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.model.Buffer;
import dev.kiln.model.Child;
import dev.kiln.model.Dims;
import dev.kiln.model.Forward;
import dev.kiln.model.Init;
import dev.kiln.model.Model;
import dev.kiln.model.Models;
import dev.kiln.model.Param;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generated {@code @Model} classes at run time (this module compiles through the processor). */
class ModelClassTest {
    @Model
    abstract static class Regressor extends Module {
        @Param(shape = {3, 1}, init = Init.UNIFORM, fanIn = 3)
        Tensor w;
        @Child
        Linear head = new Linear(3, 1);
        @Buffer(dtype = DType.INT64)
        Tensor calls;
        @Param(init = Init.CONSTANT, value = 0.5, name = "scale")
        Tensor s;
        @Buffer(shape = {2}, init = Init.ONES)
        Tensor ones;

        @Forward
        Tensor predict(@Dims("N 3") Tensor x, @Dims("N *") Tensor mask) {
            return head.forward(x.mul(mask)).add(x.matmul(w)).mul(s);
        }
    }

    @Model
    abstract static class Seed extends Module {
        @Param(init = Init.RANDN)
        Tensor a, b, c, d;

        @Forward
        @Override
        public Tensor forward(@Dims("N") Tensor x) {
            return a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
        }
    }

    @Test
    void registersInDeclarationOrderAndKnowsItsOwnNamesAndShapes() {
        Kiln.manualSeed(1);
        Regressor m = ModelClassTest_RegressorModel.create();
        assertEquals(List.of("w", "scale", "calls", "ones", "head.weight", "head.bias"), List.copyOf(m.stateDict().keySet()));
        assertEquals(List.of("w", "scale"), ModelClassTest_RegressorModel.PARAMETERS);
        assertEquals(List.of("calls", "ones"), ModelClassTest_RegressorModel.BUFFERS);
        assertEquals(List.of("head"), ModelClassTest_RegressorModel.CHILDREN);
        assertEquals(Map.of("w", Shape.of(3, 1), "scale", Shape.of(), "calls", Shape.of(), "ones", Shape.of(2)),
                ModelClassTest_RegressorModel.SHAPES);
        assertSame(m.w, m.namedParameters().get("w"));
        assertEquals(DType.INT64, m.calls.dtype());
        assertEquals(0.5, m.s.item());
        assertArrayEquals(new float[] {1, 1}, m.ones.toFloatArray());
        for (float v : m.w.toFloatArray()) {
            assertTrue(Math.abs(v) <= 1 / Math.sqrt(3), "U(±1/sqrt(fanIn)) with fanIn 3: " + v);
        }
        assertTrue(m.w.requiresGrad() && !m.calls.requiresGrad());
        assertEquals("Regressor(\n  (head): Linear(in_features=3, out_features=1, bias=True)\n)", m.toString());
        assertSame(m.getClass(), Models.create(Regressor.class).getClass());
    }

    /** docs/models.md's weight [in, out] used as x.matmul(w): its range comes from the fanIn given, not from the shape. */
    @Model
    abstract static class Projection extends Module {
        @Param(shape = {3, 2000}, init = Init.UNIFORM, fanIn = 3)
        Tensor w;

        @Forward
        @Override
        public Tensor forward(@Dims("N 3") Tensor x) {
            return x.matmul(w);
        }
    }

    @Test
    void uniformDrawsFromPlusMinusOneOverTheRootOfTheFanInGiven() {
        Kiln.manualSeed(4);
        float[] w = ModelClassTest_ProjectionModel.create().w.toFloatArray();
        double max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        double bound = 1 / Math.sqrt(3);
        assertTrue(max <= bound && max > 0.99 * bound, "6000 draws from U(±1/sqrt(3)) reach near " + bound + ", got max " + max);
    }

    @Test
    void theSeedsModuleDrawsItsParametersInDeclarationOrder() {
        Kiln.manualSeed(ModuleSample.SEED);
        Seed generated = ModelClassTest_SeedModel.create();
        Kiln.manualSeed(ModuleSample.SEED);
        double[] byHand = {Tensor.randn().item(), Tensor.randn().item(), Tensor.randn().item(), Tensor.randn().item()};
        assertArrayEquals(byHand, new double[] {generated.a.item(), generated.b.item(), generated.c.item(), generated.d.item()});
    }

    @Test
    void inputShapesAreCheckedWithNamedDimensionsBoundAcrossArguments() {
        Regressor m = ModelClassTest_RegressorModel.create();
        Tensor x = Tensor.ones(4, 3);
        assertEquals(Shape.of(4, 1), m.predict(x, Tensor.ones(4, 3)).shape());
        KilnException e = assertThrows(KilnException.class, () -> m.predict(x, Tensor.ones(5, 3)));
        assertTrue(e.getMessage().contains("Regressor.predict: dimension N is 4 in argument 'x' but 5 in argument 'mask'"), e.getMessage());
        assertTrue(e.getMessage().contains("ModelClassTest.java"), "names the caller's line, not the generated class: " + e.getMessage());
        e = assertThrows(KilnException.class, () -> m.predict(Tensor.ones(4, 2), Tensor.ones(4, 3)));
        assertTrue(e.getMessage().contains("dimension 1 of argument 'x' must be 3, got 2"), e.getMessage());
        e = assertThrows(KilnException.class, () -> m.predict(Tensor.ones(4), Tensor.ones(4, 3)));
        assertTrue(e.getMessage().contains("argument 'x' must have 2 dimension(s) [N 3], got shape [4]"), e.getMessage());
    }

    @Test
    void compiledEntryPointsMatchEagerAndTrain() {
        Kiln.manualSeed(3);
        ModelClassTest_SeedModel m = ModelClassTest_SeedModel.create();
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 200);
        Tensor y = x.sin();
        float[] eager;
        try (var noGrad = Kiln.noGrad()) {
            eager = m.forward(x).toFloatArray();
        }
        assertArrayEquals(eager, m.compiledForward().call(x).toFloatArray(), 1e-5f);
        assertSame(m.compiledForward(), m.compiledForward());
        var step = m.trainingStep(new MSELoss()::forward, new Adam(m.parameters(), Adam.Options.lr(0.01)));
        double first = step.call(x, y).item();
        double last = first;
        for (int i = 0; i < 300; i++) {
            last = step.call(x, y).item();
        }
        assertTrue(last < first / 10, first + " -> " + last);
        assertEquals(1, step.compilations());
        KilnException e = assertThrows(KilnException.class, () -> step.call(x));
        assertTrue(e.getMessage().contains("trainingStep takes 2 tensor(s), got 1"), e.getMessage());
    }

    @Test
    void aDynamicModelsStepReTracesAndWorksLikeTheSample() {
        DynamicSample.DynamicNet net = DynamicSample_DynamicNetModel.create(new java.util.Random(1));
        Tensor x = Tensor.linspace(-1, 1, 50);
        var step = ((DynamicSample_DynamicNetModel) net).trainingStep(new MSELoss()::forward, new SGD(net.parameters(), 1e-3, 0.9));
        for (int i = 0; i < 30; i++) {
            step.call(x, x.sin());
        }
        assertTrue(step.compilations() >= 2 && step.compilations() <= 3, "one plan per structure: " + step.compilations());
    }

    @Test
    void itIsAModuleSavesLoadsConvertsAndSitsInSequential(@TempDir Path dir) {
        Kiln.manualSeed(5);
        Seed a = ModelClassTest_SeedModel.create();
        Path f = dir.resolve("seed.safetensors");
        a.save(f);
        Kiln.manualSeed(6);
        Seed b = ModelClassTest_SeedModel.create();
        b.load(f);
        assertEquals(a.c.item(), b.c.item());
        Sequential seq = new Sequential(b, new dev.kiln.nn.Tanh());
        assertEquals(Shape.of(5), seq.forward(Tensor.ones(5)).shape());
        assertEquals(List.of("0.a", "0.b", "0.c", "0.d"), List.copyOf(seq.stateDict().keySet()));
        b.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, b.a.dtype());
        b.eval();
        assertTrue(!b.isTraining());
    }
}
