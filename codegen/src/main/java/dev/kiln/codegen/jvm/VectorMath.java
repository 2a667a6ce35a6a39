package dev.kiln.codegen.jvm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath#exp} and {@link FloatMath#erf} on a vector of float32 lanes (any width), the same operations in
 * the same order (so the same bits): called by vector loops; loaded only where the Vector API is.
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

    private static final VectorSpecies<Double> D128 = DoubleVector.SPECIES_128;
    private static final VectorSpecies<Double> D256 = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Double> D512 = DoubleVector.SPECIES_512;

    /**
     * The partners of a float64 vector's lanes in the steps of a lane sum, per width ({@code SWAP<lanes>_<half>}: lane
     * i with lane i xor half): vector loops sum a vector's lanes as {@link FloatMath#laneSum} does — {@code v +
     * v.rearrange(SWAPn_n/2)}, then the same with the next half, down to lane 0 — in registers, where storing the
     * vector and adding its lanes one after another from memory took 13 ns for five sums (against 2) in a harness.
     * Emitted inline (a helper method taking the vector was not inlined into a kernel, and the boxed vector made
     * the 16-point step slower); not {@code reduceLanes}, whose order may change with how the JIT compiled it.
     */
    public static final VectorShuffle<Double> SWAP8_4 = VectorShuffle.fromOp(D512, i -> i ^ 4);
    public static final VectorShuffle<Double> SWAP8_2 = VectorShuffle.fromOp(D512, i -> i ^ 2);
    public static final VectorShuffle<Double> SWAP8_1 = VectorShuffle.fromOp(D512, i -> i ^ 1);
    public static final VectorShuffle<Double> SWAP4_2 = VectorShuffle.fromOp(D256, i -> i ^ 2);
    public static final VectorShuffle<Double> SWAP4_1 = VectorShuffle.fromOp(D256, i -> i ^ 1);
    public static final VectorShuffle<Double> SWAP2_1 = VectorShuffle.fromOp(D128, i -> i ^ 1);

    /**
     * {@link FloatMath#erf} lane by lane: each half of the lanes widened to double, |x| clamped to 4, x·P(t)/Q(t) with
     * the same multiplications and additions in the same order, rounded to float, and x's sign put back (so −0 stays
     * −0 and NaN stays NaN).
     */
    public static FloatVector erf(FloatVector x) {
        int lanes = x.length(); // float lanes: as many doubles fit in the same width as half of them
        VectorSpecies<Double> ds = lanes == 4 ? D128 : lanes == 8 ? D256 : D512;
        FloatVector lo = erfHalf((DoubleVector) x.convertShape(VectorOperators.F2D, ds, 0), x.species(), 0);
        FloatVector hi = erfHalf((DoubleVector) x.convertShape(VectorOperators.F2D, ds, 1), x.species(), -1);
        IntVector magnitude = lo.reinterpretAsInts().or(hi.reinterpretAsInts()); // each half fills its lanes, zeros the rest
        IntVector sign = x.reinterpretAsInts().and(0x80000000);
        return magnitude.and(0x7fffffff).or(sign).reinterpretAsFloats();
    }

    /** |erf| of one half's lanes in double, rounded to float into part {@code part} of a float vector (zeros elsewhere). */
    private static FloatVector erfHalf(DoubleVector d, VectorSpecies<Float> fs, int part) {
        DoubleVector a = d.abs().min(4.0);
        DoubleVector t = a.mul(a).mul(0.0625);
        DoubleVector p = DoubleVector.broadcast(d.species(), FloatMath.ERF_P[6]);
        DoubleVector q = DoubleVector.broadcast(d.species(), FloatMath.ERF_Q[6]);
        for (int i = 5; i >= 0; i--) {
            p = p.mul(t).add(FloatMath.ERF_P[i]);
            q = q.mul(t).add(FloatMath.ERF_Q[i]);
        }
        return (FloatVector) a.mul(p).div(q).convertShape(VectorOperators.D2F, fs, part);
    }
}
