package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kiln.DType;
import dev.kiln.Shape;
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
