package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.codegen.jvm.FloatMath;
import dev.kiln.codegen.jvm.VectorMath;
import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** The fixed order in which vector loops sum a float64 vector's lanes, in its scalar form and with the shuffles. */
class LaneSumTest {
    @Test
    void lanesAreSummedAsHalvesNotOneAfterAnother() {
        // ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)): 1e17 and -1e17 meet first, so no 1 is lost
        double[] lanes = {1e17, 1, 1, 1, -1e17, 1, 1, 1};
        assertEquals(6.0, FloatMath.laneSum(lanes.clone(), 0, 8));
        double inOrder = 0;
        for (double l : lanes) {
            inOrder += l;
        }
        assertEquals(3.0, inOrder, "one after another, the first three 1s vanish into 1e17");
        assertEquals(3.0, FloatMath.laneSum(new double[] {9, 1, 2, 9}, 1, 2), "from an offset");
    }

    @Test
    void theShufflesGiveTheScalarFormsBitsAtEveryWidth() {
        SplittableRandom random = new SplittableRandom(5);
        VectorShuffle<?>[][] steps = {{VectorMath.SWAP2_1}, {VectorMath.SWAP4_2, VectorMath.SWAP4_1},
            {VectorMath.SWAP8_4, VectorMath.SWAP8_2, VectorMath.SWAP8_1}};
        VectorSpecies<?>[] species = {DoubleVector.SPECIES_128, DoubleVector.SPECIES_256, DoubleVector.SPECIES_512};
        for (int w = 0; w < steps.length; w++) {
            @SuppressWarnings("unchecked")
            VectorSpecies<Double> s = (VectorSpecies<Double>) species[w];
            for (int trial = 0; trial < 200; trial++) {
                double[] lanes = new double[s.length()];
                for (int i = 0; i < lanes.length; i++) {
                    lanes[i] = random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-8, 9));
                }
                DoubleVector v = DoubleVector.fromArray(s, lanes, 0);
                for (VectorShuffle<?> step : steps[w]) {
                    @SuppressWarnings("unchecked")
                    VectorShuffle<Double> partner = (VectorShuffle<Double>) step;
                    v = v.add(v.rearrange(partner));
                }
                double expected = FloatMath.laneSum(lanes.clone(), 0, lanes.length);
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(v.lane(0)),
                        s.length() + " lanes " + java.util.Arrays.toString(lanes));
            }
        }
    }
}
