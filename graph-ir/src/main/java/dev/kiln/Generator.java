package dev.kiln;

/**
 * A counter-based random generator (Philox4x32-10): the value at word {@code i} of seed
 * {@code s} is a pure function of (s, i), so a draw is reproducible, splittable across
 * threads, and the same bits can be produced on a GPU. The generator itself only keeps the
 * seed and the next free word offset.
 */
public final class Generator {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private long seed;
    private long offset;

    /**
     * A generator seeded with {@code seed}, at offset 0, as {@code torch.Generator().manual_seed(seed)}.
     *
     * @param seed the 64-bit seed (the Philox key)
     */
    public Generator(long seed) {
        manualSeed(seed);
    }

    /**
     * Reseeds this generator and rewinds it to offset 0, as {@code torch.Generator.manual_seed}.
     *
     * @param seed the 64-bit seed (the Philox key)
     */
    public synchronized void manualSeed(long seed) {
        this.seed = seed;
        this.offset = 0;
    }

    /**
     * This generator's seed, as {@code torch.Generator.initial_seed}.
     *
     * @return the seed last set
     */
    public synchronized long seed() {
        return seed;
    }

    /**
     * Where the next draw starts.
     *
     * @return the next unused word offset, a multiple of 4
     */
    public synchronized long offset() {
        return offset;
    }

    /**
     * A generator's whole state: its seed and the next free word offset (as {@code get_state()}).
     *
     * @param seed the generator's seed
     * @param offset the next unused word offset, a non-negative multiple of 4
     */
    public record State(long seed, long offset) {
        /**
         * A state of a seed and an offset.
         *
         * @param seed the generator's seed
         * @param offset the next unused word offset, a non-negative multiple of 4
         * @throws KilnException if the offset is negative or not a multiple of 4
         */
        public State {
            if (offset < 0 || (offset & 3) != 0) {
                throw new KilnException("a generator offset is a non-negative multiple of 4, got " + offset);
            }
        }
    }

    /**
     * This generator's state, to restore later with {@link #setState}: the draws after it repeat exactly.
     *
     * @return the current seed and offset
     */
    public synchronized State state() {
        return new State(seed, offset);
    }

    /**
     * Restores a state from {@link #state()} (as {@code set_state}).
     *
     * @param state the seed and offset to continue from
     */
    public synchronized void setState(State state) {
        this.seed = state.seed();
        this.offset = state.offset();
    }

    /**
     * Claims the next {@code words} words of the stream for one draw, advancing the offset past them.
     *
     * @param words how many 32-bit words the draw needs; rounded up to whole 4-word Philox blocks
     * @return the offset of the first claimed word
     */
    public synchronized long reserve(long words) {
        long start = offset;
        offset += (words + 3) & ~3L;
        return start;
    }

    /**
     * One word of a seed's stream.
     *
     * @param seed the stream's seed
     * @param index the word's position in the stream
     * @return word {@code index} of the stream of {@code seed}, as an unsigned 32-bit value in a long
     */
    public static long word(long seed, long index) {
        long block = index >>> 2;
        int[] out = philox((int) block, (int) (block >>> 32), 0, 0, (int) seed, (int) (seed >>> 32));
        return out[(int) (index & 3)] & 0xFFFFFFFFL;
    }

    /** One Philox4x32-10 block: four 32-bit words of counter {@code c0..c3} under key {@code k0, k1}. */
    static int[] philox(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /**
     * Uniform in [0, 1) for element {@code i} of a draw starting at {@code offset} (two words per element).
     *
     * @param seed the stream's seed
     * @param offset the draw's first word, from {@link #reserve}
     * @param i the element's index in the draw
     * @param dtype the result's type: float32 takes 24 bits of the element's first word, any other 53 bits of both
     * @return the uniform value
     */
    public static double uniform(long seed, long offset, long i, DType dtype) {
        long w1 = word(seed, offset + 2 * i);
        if (dtype == DType.FLOAT32) {
            return (w1 >>> 8) * 0x1.0p-24;
        }
        long w2 = word(seed, offset + 2 * i + 1);
        return ((w1 >>> 5) * (double) (1L << 26) + (w2 >>> 6)) * 0x1.0p-53;
    }

    /**
     * Elements {@code from} to {@code to - 1} of a float32 uniform draw starting at {@code offset}, into
     * {@code out[from..to)}: each the value {@link #uniform(long, long, long, DType)} gives, computing each
     * Philox block once for the two elements that share it (element {@code i} reads word {@code offset + 2i}).
     *
     * @param seed the stream's seed
     * @param offset the draw's first word, from {@link #reserve} (a multiple of 4)
     * @param out the values, indexed by element
     * @param from the first element to fill
     * @param to one past the last element to fill
     */
    public static void uniformFloats(long seed, long offset, float[] out, int from, int to) {
        if ((offset & 3) != 0) {
            for (int i = from; i < to; i++) {
                out[i] = (float) uniform(seed, offset, i, DType.FLOAT32);
            }
            return;
        }
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        int i = from;
        if ((i & 1) == 1 && i < to) { // an odd start: its block's first element is not ours
            out[i] = (float) uniform(seed, offset, i, DType.FLOAT32);
            i++;
        }
        for (; i + 8 <= to; i += 8) {
            fourBlocks((offset >>> 2) + (i >>> 1), k0, k1, out, i);
        }
        for (; i < to; i += 2) {
            long block = (offset >>> 2) + (i >>> 1);
            int[] w = philox((int) block, (int) (block >>> 32), 0, 0, k0, k1);
            out[i] = ((w[0] & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
            if (i + 1 < to) {
                out[i + 1] = ((w[2] & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
            }
        }
    }

    /**
     * {@link #philox} of the four blocks from {@code block} at once (four independent chains of multiplies, which the
     * CPU overlaps: one block alone waits on each round's product), their words 0 and 2 as eight float32 uniforms.
     */
    private static void fourBlocks(long block, int k0, int k1, float[] out, int at) {
        int a0 = (int) block, a1 = (int) (block + 1), a2 = (int) (block + 2), a3 = (int) (block + 3);
        int b0 = (int) (block >>> 32), b1 = (int) ((block + 1) >>> 32), b2 = (int) ((block + 2) >>> 32), b3 = (int) ((block + 3) >>> 32);
        int c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        int d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        for (int round = 0; round < 10; round++) {
            long p00 = (M0 & 0xFFFFFFFFL) * (a0 & 0xFFFFFFFFL), p10 = (M1 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p01 = (M0 & 0xFFFFFFFFL) * (a1 & 0xFFFFFFFFL), p11 = (M1 & 0xFFFFFFFFL) * (c1 & 0xFFFFFFFFL);
            long p02 = (M0 & 0xFFFFFFFFL) * (a2 & 0xFFFFFFFFL), p12 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            long p03 = (M0 & 0xFFFFFFFFL) * (a3 & 0xFFFFFFFFL), p13 = (M1 & 0xFFFFFFFFL) * (c3 & 0xFFFFFFFFL);
            a0 = (int) (p10 >>> 32) ^ b0 ^ k0;
            a1 = (int) (p11 >>> 32) ^ b1 ^ k0;
            a2 = (int) (p12 >>> 32) ^ b2 ^ k0;
            a3 = (int) (p13 >>> 32) ^ b3 ^ k0;
            b0 = (int) p10;
            b1 = (int) p11;
            b2 = (int) p12;
            b3 = (int) p13;
            c0 = (int) (p00 >>> 32) ^ d0 ^ k1;
            c1 = (int) (p01 >>> 32) ^ d1 ^ k1;
            c2 = (int) (p02 >>> 32) ^ d2 ^ k1;
            c3 = (int) (p03 >>> 32) ^ d3 ^ k1;
            d0 = (int) p00;
            d1 = (int) p01;
            d2 = (int) p02;
            d3 = (int) p03;
            k0 += W0;
            k1 += W1;
        }
        out[at] = ((a0 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
        out[at + 1] = ((c0 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
        out[at + 2] = ((a1 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
        out[at + 3] = ((c1 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
        out[at + 4] = ((a2 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
        out[at + 5] = ((c2 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
        out[at + 6] = ((a3 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
        out[at + 7] = ((c3 & 0xFFFFFFFFL) >>> 8) * 0x1.0p-24f;
    }

    /**
     * Standard normal for element {@code i} of a draw starting at {@code offset} (Box-Muller on the element's two
     * words).
     *
     * @param seed the stream's seed
     * @param offset the draw's first word, from {@link #reserve}
     * @param i the element's index in the draw
     * @return the normal value, mean 0 and standard deviation 1
     */
    public static double normal(long seed, long offset, long i) {
        double u1 = word(seed, offset + 2 * i) * 0x1.0p-32;
        double u2 = word(seed, offset + 2 * i + 1) * 0x1.0p-32;
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
