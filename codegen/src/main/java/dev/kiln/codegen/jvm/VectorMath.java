package dev.kiln.codegen.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link FloatMath#exp} on a vector of float32 lanes (any width), the same operations in the same order (so the same
 * bits): called by vector loops; loaded only where the Vector API is.
 */
public final class VectorMath {
    private VectorMath() {
    }

    public static FloatVector exp(FloatVector x) {
        FloatVector c = x.min(89f).max(-104f);
        FloatVector fn = c.mul(FloatMath.LOG2E).add(FloatMath.MAGIC).sub(FloatMath.MAGIC);
        FloatVector r = c.sub(fn.mul(FloatMath.LN2_HI)).sub(fn.mul(FloatMath.LN2_LO));
        FloatVector p = FloatVector.broadcast(x.species(), FloatMath.C[0]);
        for (int i = 1; i < FloatMath.C.length; i++) {
            p = p.mul(r).add(FloatMath.C[i]);
        }
        IntVector n = (IntVector) fn.convert(VectorOperators.F2I, 0);
        IntVector e1 = n.lanewise(VectorOperators.ASHR, 1);
        IntVector e2 = n.sub(e1);
        FloatVector s1 = e1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = e2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }
}
