package dev.kiln.tests;

import static org.quicktheories.QuickTheory.qt;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Shared property-test plumbing on QuickTheories (not jqwik: since 1.10 its author's Anti-AI Usage
 * Clause asks that AI coding agents not use it, and we honour that). Every property runs from a
 * seed, printed on failure; replay one with {@code -Dkiln.seed=N}.
 */
public final class Props {
    static final long SEED = Long.getLong("kiln.seed", 20261127L);

    private Props() {
    }

    /**
     * Runs a property over {@code examples} values, from a seed of its own (the base seed mixed with
     * the property's name, so properties draw different cases); a failure names both seeds.
     */
    public static <T> void check(String name, int examples, Gen<T> gen, Consumer<T> property) {
        long seed = seedOf(name);
        try {
            // QuickTheories runs one example fewer than it is asked for
            qt().withFixedSeed(seed).withExamples(examples + 1).withShrinkCycles(20).forAll(gen).checkAssert(property);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("property '" + name + "' failed (its seed " + seed + "; replay with -Dkiln.seed="
                    + SEED + "): " + e.getMessage(), e);
        }
    }

    /** The seed of the property called {@code name}: stable across runs, different per property. */
    public static long seedOf(String name) {
        long h = SEED ^ name.hashCode() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        return h & Long.MAX_VALUE;
    }

    /** Sizes that hit loop tails and edge cases: 1, small primes, and occasionally 207. */
    public static Gen<Integer> dim() {
        return Generate.pick(List.of(1, 1, 2, 3, 5, 13, 207)).mix(Generate.pick(List.of(1, 2, 3, 4)), 60);
    }

    /** Shapes of rank 0 to 3 with at most ~4000 elements, plus the awkward 1-D sizes 4098 and 13. */
    public static Gen<Shape> shape() {
        return shape(0);
    }

    /** Shapes of rank {@code minRank} to 3 (the awkward extras only where their rank allows). */
    public static Gen<Shape> shape(int minRank) {
        Gen<Shape> ranked = Generate.range(minRank, 3).flatMap(rank -> dims(rank)).assuming(s -> s.numelLong() <= 4200);
        List<Shape> extras = java.util.stream.Stream.of(Shape.of(4098), Shape.of(13), Shape.scalar(), Shape.of(1))
                .filter(s -> s.rank() >= minRank).toList();
        return extras.isEmpty() ? ranked : ranked.mix(Generate.pick(extras), 15);
    }

    private static Gen<Shape> dims(int rank) {
        Gen<int[]> g = Generate.constant(new int[0]);
        for (int i = 0; i < rank; i++) {
            g = g.zip(dim(), (a, d) -> {
                int[] b = Arrays.copyOf(a, a.length + 1);
                b[a.length] = d;
                return b;
            });
        }
        return g.map((int[] a) -> Shape.of(a));
    }

    /** Two shapes that broadcast together: the second drops leading dims and sets some to 1. */
    public static Gen<Shape[]> broadcastPair() {
        return shape().zip(Generate.longRange(0, Long.MAX_VALUE), (s, bits) -> {
            int[] d = s.toArray();
            int drop = s.rank() == 0 ? 0 : (int) (bits % (s.rank() + 1));
            int[] other = Arrays.copyOfRange(d, drop, d.length);
            for (int i = 0; i < other.length; i++) {
                if (((bits >>> (8 + i)) & 1) == 1) {
                    other[i] = 1;
                }
            }
            Shape o = Shape.of(other);
            return ((bits >>> 20) & 1) == 1 ? new Shape[] {s, o} : new Shape[] {o, s};
        });
    }

    public static Gen<Long> seeds() {
        return Generate.longRange(0, Long.MAX_VALUE);
    }

    /** Standard normal float64 values from a seed. */
    public static Tensor normal(Shape shape, long seed) {
        return Tensor.randn(shape, DType.FLOAT64, new Generator(seed));
    }
}
