package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.ir.Unary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compiled float32 tanh is a rational approximation: checked against Math.tanh over the whole float range, exactly ±1 where it saturates. */
class FloatTanhTest {
    @Test
    void compiledFloat32TanhIsWithinFourTenMillionthsEverywhere() {
        // every 97th float from 0 to 20 and its negative, then the special values
        int count = (Float.floatToIntBits(20f) / 97 + 1);
        float[] x = new float[2 * count + 4];
        for (int i = 0; i < count; i++) {
            float v = Float.intBitsToFloat(i * 97);
            x[2 * i] = v;
            x[2 * i + 1] = -v;
        }
        int s = 2 * count;
        x[s] = Float.NaN;
        x[s + 1] = Float.POSITIVE_INFINITY;
        x[s + 2] = Float.NEGATIVE_INFINITY;
        x[s + 3] = -0f;
        GraphBuilder b = new GraphBuilder();
        Node in = b.input("x", new TensorType(Shape.of(x.length), DType.FLOAT32));
        CompiledPlan plan = new CompiledPlan(b.build(new Ops(b).unary(new Unary.Tanh(), in)));
        float[] y = (float[]) plan.run(List.of(Tensors.data(Tensor.of(x)))).getFirst().storage().array();
        double worst = 0;
        for (int i = 0; i < s; i++) {
            double exact = Math.tanh(x[i]);
            double error = Math.abs(y[i] - exact) / Math.max(Math.abs(exact), Double.MIN_NORMAL);
            worst = Math.max(worst, error);
            if (Math.abs(x[i]) >= 10) { // saturated exactly, as float32 tanh is past 9.01: 1 + tanh(-x) is 0, not 2e-7
                assertEquals(Math.signum(x[i]), y[i], 0.0, "tanh(" + x[i] + ")");
            }
        }
        assertTrue(worst < 4e-7, "max relative error " + worst);
        assertTrue(Float.isNaN(y[s]));
        assertEquals(1.0, y[s + 1], 0.0, "tanh(+inf)");
        assertEquals(-1.0, y[s + 2], 0.0, "tanh(-inf)");
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(y[s + 3]), "tanh(-0) is -0");
    }
}
