package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class GeneratorTest {
    @Test
    void philoxMatchesTheRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                Generator.philox(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Generator.philox(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Generator.philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
        assertEquals(0x6627e8d5L, Generator.word(0, 0));
        assertEquals(0x9b00dbd8L, Generator.word(0, 3));
    }

    @Test
    void drawsAreAPureFunctionOfSeedAndOffset() {
        Generator g = new Generator(5);
        long first = g.reserve(6);
        long second = g.reserve(1);
        assertEquals(0, first);
        assertEquals(8, second); // whole 4-word blocks
        assertEquals(Generator.normal(5, 8, 0), Generator.normal(5, second, 0));
        assertNotEquals(Generator.normal(5, 0, 0), Generator.normal(6, 0, 0));
        g.manualSeed(5);
        assertEquals(0, g.offset());
        double u = Generator.uniform(5, 0, 3, DType.FLOAT32);
        assertEquals(u, (float) u);
    }

    /** The block-wise float32 fill (four blocks at a time) gives each element uniform()'s value, whatever chunk boundaries and offset. */
    @Test
    void uniformFloatsFillsWhatUniformGivesPerElement() {
        for (long offset : new long[] {0, 8, 6, 1L << 33, (1L << 34) - 8}) { // the last: block numbers carry into the high word
            float[] expected = new float[37];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) Generator.uniform(42, offset, i, DType.FLOAT32);
            }
            float[] whole = new float[37];
            Generator.uniformFloats(42, offset, whole, 0, 37);
            assertArrayEquals(expected, whole, "offset " + offset);
            float[] chunks = new float[37];
            for (int[] r : new int[][] {{0, 5}, {5, 6}, {6, 19}, {19, 37}}) {
                Generator.uniformFloats(42, offset, chunks, r[0], r[1]);
            }
            assertArrayEquals(expected, chunks, "offset " + offset + " in odd chunks");
        }
    }
}
