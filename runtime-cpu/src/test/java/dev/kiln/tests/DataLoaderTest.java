package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.data.Data;
import dev.kiln.data.DataLoader;
import dev.kiln.data.Dataset;
import dev.kiln.data.Subset;
import dev.kiln.data.TensorDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batches cover the data once per epoch, in a seeded order; dropLast, prefetch and subsets behave as PyTorch's. */
class DataLoaderTest {
    static TensorDataset data(int n) {
        float[] x = new float[n * 2];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i;
        }
        return new TensorDataset(Tensor.of(x).reshape(n, 2), Tensor.of(y));
    }

    static List<Long> labels(Iterable<List<Tensor>> loader, List<Integer> sizes) {
        List<Long> seen = new ArrayList<>();
        for (List<Tensor> b : loader) {
            sizes.add(b.get(0).size(0));
            for (int i = 0; i < b.get(1).size(0); i++) {
                long label = b.get(1).toLongArray()[i];
                seen.add(label);
                assertEquals((float) label, b.get(0).toFloatArray()[2 * i], "rows stay together");
            }
        }
        return seen;
    }

    @Test
    void anEpochCoversEverySampleOnceInBatchesOfTheSize() {
        List<Integer> sizes = new ArrayList<>();
        List<Long> seen = labels(DataLoader.of(data(10)).batchSize(4).build(), sizes);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), seen);
        assertEquals(List.of(4, 4, 2), sizes);
        sizes.clear();
        labels(DataLoader.of(data(10)).batchSize(4).dropLast(true).build(), sizes);
        assertEquals(List.of(4, 4), sizes);
    }

    @Test
    void shufflingIsSeededNewEachEpochAndPrefetchGivesTheSameBatches() {
        DataLoader a = DataLoader.of(data(50)).batchSize(8).shuffle(new Generator(3)).build();
        DataLoader b = DataLoader.of(data(50)).batchSize(8).shuffle(new Generator(3)).prefetch(true).build();
        List<Long> a1 = labels(a, new ArrayList<>());
        List<Long> a2 = labels(a, new ArrayList<>());
        assertEquals(a1, labels(b, new ArrayList<>()), "same generator state, same order; prefetch changes nothing");
        assertEquals(a2, labels(b, new ArrayList<>()));
        assertFalse(a1.equals(a2), "a new permutation each epoch");
        List<Long> sorted = new ArrayList<>(a1);
        sorted.sort(null);
        assertEquals(labels(DataLoader.of(data(50)).batchSize(50).build(), new ArrayList<>()), sorted);
    }

    @Test
    void randomSplitPartsAreDisjointAndCoverTheDataset() {
        List<Subset> parts = Data.randomSplit(data(20), new int[] {15, 5}, new Generator(9));
        int[] all = new int[20];
        int k = 0;
        for (Subset s : parts) {
            for (int i : s.indices()) {
                all[k++] = i;
            }
        }
        Arrays.sort(all);
        int[] expected = new int[20];
        Arrays.setAll(expected, i -> i);
        assertArrayEquals(expected, all);
        List<Long> seen = labels(DataLoader.of(parts.get(1)).batchSize(2).build(), new ArrayList<>());
        assertEquals(Arrays.stream(parts.get(1).indices()).mapToObj(i -> (long) i).toList(), seen);
        assertThrows(KilnException.class, () -> Data.randomSplit(data(20), new int[] {15, 6}, new Generator(9)));
    }

    @Test
    void aGeneralDatasetIsStackedSampleBySample() {
        Dataset squares = new Dataset() {
            @Override
            public int size() {
                return 5;
            }

            @Override
            public List<Tensor> get(int i) {
                return List.of(Tensor.full(Shape.of(3), i * i, dev.kiln.DType.FLOAT32), Tensor.of((long) i).reshape());
            }
        };
        List<List<Tensor>> batches = new ArrayList<>();
        DataLoader.of(squares).batchSize(2).build().forEach(batches::add);
        assertEquals(3, batches.size());
        assertEquals(Shape.of(2, 3), batches.get(1).get(0).shape());
        assertArrayEquals(new float[] {4, 4, 4, 9, 9, 9}, batches.get(1).get(0).toFloatArray());
        assertArrayEquals(new long[] {2, 3}, batches.get(1).get(1).toLongArray());
    }

    @Test
    void aSubsetRefusesAnIndexOutOfRangeAndANullDatasetWithAKilnException() {
        // Subset(TensorDataset(...), [0, 1])[5] raises IndexError in PyTorch
        Subset s = new Subset(data(5), new int[] {3, 1});
        assertEquals(1L, s.get(1).get(1).item());
        for (int bad : new int[] {2, -1}) {
            KilnException e = assertThrows(KilnException.class, () -> s.get(bad));
            assertTrue(e.getMessage().contains("index " + bad) && e.getMessage().contains("subset of 2")
                    && e.getMessage().contains("DataLoaderTest.java:"), e.getMessage());
        }
        assertThrows(KilnException.class, () -> s.indexAt(2));
        assertTrue(assertThrows(KilnException.class, () -> new Subset(null, new int[] {0})).getMessage().contains("dataset"));
        assertTrue(assertThrows(KilnException.class, () -> new Subset(data(2), null)).getMessage().contains("indices"));
    }
}
