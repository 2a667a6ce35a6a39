package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.Executable;
import dev.kiln.spi.Layout;
import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;
import org.junit.jupiter.api.Test;

/**
 * A plan's generated call ({@code CallEmitter}): one-element updates go where their targets lie
 * (a view into a larger storage included), whole outputs are copied into dense targets, and a
 * target that is not dense makes the call decline, so the caller copies as before.
 */
class GeneratedCallTest {
    /** p - 0.5·sum(x) for a one-element p, and x·2 for x of 2×3. */
    private static Graph update() {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node p = b.input("p", new TensorType(Shape.of(), DType.FLOAT32));
        Node x = b.input("x", new TensorType(Shape.of(2, 3), DType.FLOAT32));
        return b.build(o.add(p, o.mul(o.sumAll(x), -0.5)), o.mul(x, 2.0));
    }

    private static TensorData floats(Shape shape, float... values) {
        TensorData d = TensorData.allocate(shape, DType.FLOAT32);
        for (int i = 0; i < values.length; i++) {
            d.storage().setDouble(i, values[i]);
        }
        return d;
    }

    private static float[] values(TensorData d) {
        return d.toFloatArray();
    }

    @Test
    void oneElementUpdatesLandWhereTheirTargetLiesAndWholeOutputsAreCopied() {
        CompiledPlan plan = new CompiledPlan(update());
        // p is element 2 of a 4-element storage; the call reads it there (bound dense: a copy) and writes it back there
        Storage backing = Storage.allocate(DType.FLOAT32, 4);
        for (int i = 0; i < 4; i++) {
            backing.setDouble(i, 10 + i);
        }
        TensorData p = new TensorData(backing, new Layout(Shape.of(), new int[0], 2));
        TensorData x = floats(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        TensorData doubled = TensorData.allocate(Shape.of(2, 3), DType.FLOAT32);
        try (Executable.Run run = plan.open()) {
            run.input(0, p);
            run.input(1, x);
            assertTrue(run.call(new TensorData[] {p, doubled}, 0), "the generated call wrote the targets");
        }
        assertArrayEquals(new float[] {10, 11, 12 - 10.5f, 13}, values(new TensorData(backing, Layout.contiguous(Shape.of(4)))),
                "only element 2 changed");
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, values(doubled));
    }

    @Test
    void anUpdateThatIsAlsoAnotherOutputIsInItsBufferToo() {
        // the same value as a target and as a later output (a gradient returned as well, say)
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node p = b.input("p", new TensorType(Shape.of(), DType.FLOAT32));
        Node x = b.input("x", new TensorType(Shape.of(2, 3), DType.FLOAT32));
        Node updated = o.add(p, o.mul(o.sumAll(x), -0.5));
        CompiledPlan plan = new CompiledPlan(b.build(updated, updated));
        TensorData target = floats(Shape.of(), 0);
        try (Executable.Run run = plan.open()) {
            run.input(0, floats(Shape.of(), 1));
            run.input(1, floats(Shape.of(2, 3), 1, 2, 3, 4, 5, 6));
            assertTrue(run.call(new TensorData[] {target}, 0));
            assertEquals(1 - 10.5f, values(target)[0]);
            assertEquals(1 - 10.5f, values(run.output(1))[0], "the second output reads the same value");
        }
    }

    @Test
    void aTargetThatIsNotDenseMakesTheCallDeclineAndWriteNothing() {
        CompiledPlan plan = new CompiledPlan(update());
        TensorData p = floats(Shape.of(), 1);
        TensorData x = floats(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        // a 2×3 view transposed out of a 3×2 storage: not dense, so the call leaves it to the caller
        TensorData transposed = new TensorData(Storage.allocate(DType.FLOAT32, 6), new Layout(Shape.of(2, 3), new int[] {1, 2}, 0));
        TensorData updated = floats(Shape.of(), 7);
        try (Executable.Run run = plan.open()) {
            run.input(0, p);
            run.input(1, x);
            assertFalse(run.call(new TensorData[] {updated, transposed}, 0));
            assertEquals(7f, values(updated)[0], "nothing written by a call that declined");
            assertArrayEquals(new float[6], values(transposed));
            // the plan ran all the same: its outputs are there for the caller to copy
            assertEquals(1 - 10.5f, values(run.output(0))[0]);
            assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, values(run.output(1)));
        }
    }
}
