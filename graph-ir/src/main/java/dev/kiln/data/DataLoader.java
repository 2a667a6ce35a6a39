package dev.kiln.data;

import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.spi.TensorData;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Batches of a dataset, as {@code torch.utils.data.DataLoader}: {@code batchSize} samples stacked per
 * field, in order or shuffled by a Kiln {@link Generator} (a fresh permutation each epoch, that is,
 * each {@link #iterator()}), the last short batch kept or dropped ({@code dropLast}), and optionally
 * the next batch gathered on a background thread while the current one trains ({@code prefetch}).
 * Batches of one size keep one shape, so a compiled training step reuses one plan for them (and a
 * second for a short last batch).
 *
 * <p>Batches of 32 rows in a shuffled order:
 * {@snippet file="ApiSnippets.java" region="dataloader"}
 */
public final class DataLoader implements Iterable<List<Tensor>> {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final Generator generator;
    private final boolean dropLast;
    private final boolean prefetch;
    private final Sampler sampler;

    private DataLoader(Builder b) {
        this.sampler = b.sampler;
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.generator = b.generator;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
    }

    /**
     * A builder for a loader over {@code dataset}; by default batches of 1, in order, the last kept.
     *
     * @param dataset the dataset to batch
     * @return the builder
     * @throws KilnException if {@code dataset} is null
     */
    public static Builder of(Dataset dataset) {
        if (dataset == null) {
            throw new KilnException("DataLoader: the dataset must not be null");
        }
        return new Builder(dataset);
    }

    /** How to build a {@link DataLoader}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private Generator generator;
        private boolean dropLast;
        private boolean prefetch;
        private Sampler sampler;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        /**
         * Sets the number of samples per batch ({@code batch_size}; default 1).
         *
         * @param n the batch size (at least 1)
         * @return this builder
         * @throws KilnException if {@code n < 1}
         */
        public Builder batchSize(int n) {
            if (n < 1) {
                throw new KilnException("DataLoader: batchSize must be positive, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        /**
         * Shuffles every epoch with {@code generator} (the calling thread's default generator if null).
         *
         * @param generator the generator each epoch's permutation is drawn from, or null for the default one
         * @return this builder
         */
        public Builder shuffle(Generator generator) {
            this.shuffle = true;
            this.generator = generator;
            return this;
        }

        /**
         * Visits the dataset in the order {@code sampler} gives each epoch (instead of in order or shuffled).
         *
         * @param sampler the sampler, or null for none
         * @return this builder
         */
        public Builder sampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /**
         * Whether to drop the last batch when it is short ({@code drop_last}; default false).
         *
         * @param drop true to drop a short last batch
         * @return this builder
         */
        public Builder dropLast(boolean drop) {
            this.dropLast = drop;
            return this;
        }

        /**
         * Gathers the next batch on a background (daemon) thread while the caller works on the current one
         * (default false).
         *
         * @param on true to prefetch
         * @return this builder
         */
        public Builder prefetch(boolean on) {
            this.prefetch = on;
            return this;
        }

        /**
         * The loader.
         *
         * @return a new {@link DataLoader}
         * @throws KilnException if both a shuffle and a sampler were given
         */
        public DataLoader build() {
            if (sampler != null && shuffle) {
                throw new KilnException("DataLoader: shuffle and sampler are exclusive (shuffle in the sampler)");
            }
            return new DataLoader(this);
        }
    }

    /**
     * The generator this loader shuffles with — the one given to {@code shuffle}, or the calling thread's
     * default generator if it was given none — or null if it does not shuffle (in order, or a sampler's
     * order). Each epoch's order is drawn from it when the epoch's iteration starts, so its state between
     * epochs decides every later epoch ({@code dev.kiln.io.Checkpoint} saves it).
     *
     * @return the shuffling generator, or null
     */
    public Generator generator() {
        return !shuffle ? null : generator != null ? generator : Kiln.defaultGenerator();
    }

    /**
     * The number of batches per epoch, as {@code len(loader)}.
     *
     * @return the batch count (a short last batch counts unless dropped)
     */
    public int batches() {
        int n = sampler != null ? sampler.size() : dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /**
     * One epoch: a new order if shuffling, the sampler's next epoch if there is one. Each batch is one
     * tensor per sample field, with the batch as a new first dimension.
     *
     * @return the epoch's batches
     * @throws KilnException if a sampler gives an index outside the dataset
     */
    @Override
    public Iterator<List<Tensor>> iterator() {
        int n = dataset.size();
        int[] order;
        if (sampler != null) {
            order = sampler.nextEpoch();
            for (int i : order) {
                if (i < 0 || i >= n) {
                    throw new KilnException("DataLoader: the sampler gave index " + i + " for a dataset of " + n + " samples");
                }
            }
        } else if (shuffle) {
            order = Data.randperm(n, generator());
        } else {
            order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
        }
        return new Batches(order, batches());
    }

    private static final ExecutorService PREFETCH = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kiln-data-prefetch");
        t.setDaemon(true);
        return t;
    });

    /** One epoch's batches; with prefetch, batch k+1 is gathered on a daemon thread while batch k is used. */
    private final class Batches implements Iterator<List<Tensor>> {
        private final int[] order;
        private final int count;
        private int next;
        private CompletableFuture<List<Tensor>> ahead;

        Batches(int[] order, int count) {
            this.order = order;
            this.count = count;
            if (prefetch && count > 0) {
                ahead = CompletableFuture.supplyAsync(() -> batch(order, 0), PREFETCH);
            }
        }

        @Override
        public boolean hasNext() {
            return next < count;
        }

        @Override
        public List<Tensor> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int k = next++;
            if (!prefetch) {
                return batch(order, k);
            }
            List<Tensor> b = ahead.join();
            ahead = k + 1 < count ? CompletableFuture.supplyAsync(() -> batch(order, k + 1), PREFETCH) : null;
            return b;
        }
    }

    /** Batch {@code k} of an epoch in {@code order}: each field's rows, stacked. */
    private List<Tensor> batch(int[] order, int k) {
        int from = k * batchSize;
        int to = Math.min(from + batchSize, order.length);
        int[] rows = java.util.Arrays.copyOfRange(order, from, to);
        Dataset base = dataset;
        if (base instanceof Subset s && tensorRows(s.dataset()) != null) {
            for (int i = 0; i < rows.length; i++) {
                rows[i] = s.indexAt(rows[i]);
            }
            base = s.dataset();
        }
        TensorDataset td = tensorRows(base);
        if (td != null) {
            List<Tensor> out = new ArrayList<>();
            for (Tensor t : td.tensors()) {
                out.add(gather(t, rows));
            }
            return out;
        }
        List<List<Tensor>> samples = new ArrayList<>();
        for (int r : rows) {
            samples.add(base.get(r));
        }
        List<Tensor> out = new ArrayList<>();
        for (int f = 0; f < samples.getFirst().size(); f++) {
            List<Tensor> field = new ArrayList<>();
            for (List<Tensor> s : samples) {
                field.add(s.get(f));
            }
            try (var noGrad = Kiln.noGrad()) {
                out.add(Tensor.stack(field, 0));
            }
        }
        return out;
    }

    /** The tensors a dataset's samples are rows of, or null if its samples are made another way. */
    private static TensorDataset tensorRows(Dataset d) {
        return d instanceof TensorDataset td ? td : d instanceof FashionMNIST f ? f.rows() : null;
    }

    /** Rows {@code rows} of a contiguous tensor, copied into a new one (on a device, by its backend's index op). */
    private static Tensor gather(Tensor t, int[] rows) {
        if (!t.device().equals(dev.kiln.Device.CPU)) {
            long[] index = new long[rows.length];
            for (int i = 0; i < rows.length; i++) {
                index[i] = rows[i];
            }
            try (var noGrad = Kiln.noGrad()) {
                return t.indexSelect(0, Tensor.of(index).to(t.device()));
            }
        }
        int[] dims = t.shape().toArray();
        int row = t.numel() / Math.max(1, dims[0]);
        dims[0] = rows.length;
        TensorData src = Tensors.data(t);
        TensorData dst = TensorData.allocate(Shape.of(dims), t.dtype());
        Object from = src.storage().array();
        Object to = dst.storage().array();
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(from, src.layout().offset() + rows[i] * row, to, i * row, row);
        }
        return Tensors.wrap(dst);
    }
}
