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

    public Generator(long seed) {
        manualSeed(seed);
    }

    public synchronized void manualSeed(long seed) {
        this.seed = seed;
        this.offset = 0;
    }

    public synchronized long seed() {
        return seed;
    }

    /** The next unused word offset. */
    public synchronized long offset() {
        return offset;
    }

    /** A generator's whole state: its seed and the next free word offset (as {@code get_state()}). */
    public record State(long seed, long offset) {
        public State {
            if (offset < 0 || (offset & 3) != 0) {
                throw new KilnException("a generator offset is a non-negative multiple of 4, got " + offset);
            }
        }
    }

    /** This generator's state, to restore later with {@link #setState}: the draws after it repeat exactly. */
    public synchronized State state() {
        return new State(seed, offset);
    }

    /** Restores a state from {@link #state()} (as {@code set_state}). */
    public synchronized void setState(State state) {
        this.seed = state.seed();
        this.offset = state.offset();
    }

    /** Claims {@code words} words (rounded up to whole 4-word Philox blocks); returns the first. */
    public synchronized long reserve(long words) {
        long start = offset;
        offset += (words + 3) & ~3L;
        return start;
    }

    /** Word {@code index} of the stream of {@code seed}, as an unsigned 32-bit value in a long. */
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

    /** Uniform in [0, 1) for element {@code i} of a draw starting at {@code offset} (two words per element). */
    public static double uniform(long seed, long offset, long i, DType dtype) {
        long w1 = word(seed, offset + 2 * i);
        if (dtype == DType.FLOAT32) {
            return (w1 >>> 8) * 0x1.0p-24;
        }
        long w2 = word(seed, offset + 2 * i + 1);
        return ((w1 >>> 5) * (double) (1L << 26) + (w2 >>> 6)) * 0x1.0p-53;
    }

    /** Standard normal for element {@code i} (Box-Muller on the element's two words). */
    public static double normal(long seed, long offset, long i) {
        double u1 = word(seed, offset + 2 * i) * 0x1.0p-32;
        double u2 = word(seed, offset + 2 * i + 1) * 0x1.0p-32;
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
