package dev.kiln.data;

import dev.kiln.Generator;
import dev.kiln.KilnException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** Dataset utilities: seeded permutations and {@code random_split}. */
public final class Data {
    private Data() {
    }

    /**
     * A permutation of 0..n−1 drawn from {@code generator} (n float64 uniforms, sorted): the same
     * generator state gives the same order, on any machine. Advances the generator.
     *
     * @param n the number of indices
     * @param generator the generator to draw from
     * @return the indices 0..n−1 in random order
     */
    public static int[] randperm(int n, Generator generator) {
        long offset = generator.reserve(2L * n);
        long seed = generator.seed();
        Integer[] order = new Integer[n];
        double[] keys = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            keys[i] = Generator.uniform(seed, offset, i, dev.kiln.DType.FLOAT64);
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> keys[i]).thenComparingInt(i -> i));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = order[i];
        }
        return out;
    }

    /**
     * The dataset split at random into parts of the given lengths, as {@code torch.utils.data.random_split}
     * (one {@link #randperm} of the whole dataset, cut in order).
     *
     * @param dataset the dataset to split
     * @param lengths each part's size; non-negative and summing to the dataset's size
     * @param generator the generator the permutation is drawn from
     * @return one {@link Subset} per length, in order
     * @throws KilnException if a length is negative or the lengths do not sum to the dataset's size
     */
    public static List<Subset> randomSplit(Dataset dataset, int[] lengths, Generator generator) {
        int total = Arrays.stream(lengths).sum();
        if (total != dataset.size() || Arrays.stream(lengths).anyMatch(l -> l < 0)) {
            throw new KilnException("randomSplit: lengths " + Arrays.toString(lengths) + " must be non-negative and sum to the dataset's "
                    + dataset.size() + " samples");
        }
        int[] perm = randperm(total, generator);
        List<Subset> parts = new ArrayList<>();
        int at = 0;
        for (int l : lengths) {
            parts.add(new Subset(dataset, Arrays.copyOfRange(perm, at, at + l)));
            at += l;
        }
        return parts;
    }
}
