package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import org.junit.jupiter.api.Test;

/** A new plan of a kernel seen before reuses its class (already JIT-compiled); a different kernel gets its own. */
class SharedKernelsTest {
    private static Graph scaled(double factor, int size) {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", new TensorType(Shape.of(size), DType.FLOAT32));
        return b.build(o.sumAll(o.mul(o.mul(x, x), factor)));
    }

    @Test
    void shortLoopsSwitchToTheirVectorFormAfterManyRuns() {
        Graph g = scaled(0.5, 1003);
        float[] x = new float[1003];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        java.util.List<dev.kiln.spi.TensorData> in = java.util.List.of(Tensors.data(dev.kiln.Tensor.of(x)));
        double expected = Tensors.wrap(Interpreter.run(g, java.util.Map.of(0, in.getFirst())).getFirst()).item();
        CompiledPlan plan = new CompiledPlan(g);
        java.util.List<Class<?>> scalar = plan.kernelClasses();
        double before = Tensors.wrap(plan.run(in).getFirst()).item();
        for (int i = 1; i < CompiledPlan.switchAfterRuns(1003); i++) {
            plan.run(in);
        }
        double after = Tensors.wrap(plan.run(in).getFirst()).item();
        assertNotEquals(scalar, plan.kernelClasses(), "switched to the Vector API form");
        assertEquals(expected, before, 1e-6 * Math.abs(expected));
        assertEquals(expected, after, 1e-6 * Math.abs(expected));
    }

    @Test
    void aPlanSwitchesOnceItsWorkPaysForTheVectorCompile() {
        assertEquals(CompiledPlan.VECTOR_AFTER_RUNS, CompiledPlan.switchAfterRuns(1 << 20, null), "long work per run: the minimum runs");
        assertEquals(CompiledPlan.VECTOR_AFTER_POSITIONS / 2000, CompiledPlan.switchAfterRuns(2000, null), "the seed's 2000-point loops");
        assertEquals((int) CompiledPlan.VECTOR_AFTER_POSITIONS, CompiledPlan.switchAfterRuns(1, null), "a one-position loop");
        assertEquals(7, CompiledPlan.switchAfterRuns(2000, 7), "-Dkiln.vectorAfterRuns decides alone");
    }

    @Test
    void identicalKernelsShareAClass() {
        CompiledPlan first = new CompiledPlan(scaled(3.0, 1000));
        CompiledPlan again = new CompiledPlan(scaled(3.0, 1000));
        CompiledPlan other = new CompiledPlan(scaled(4.0, 1000));
        assertEquals(1, first.kernelClasses().size());
        assertEquals(first.kernelClasses(), again.kernelClasses());
        assertNotEquals(first.kernelClasses(), other.kernelClasses(), "a different constant is a different kernel");
        assertNotEquals(first.kernelClasses(), new CompiledPlan(scaled(3.0, 1001)).kernelClasses(), "and a different size");
    }
}
