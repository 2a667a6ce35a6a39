package dev.kiln.data;

import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.util.List;

/** The samples of another dataset at given indices, as {@code torch.utils.data.Subset}. */
public final class Subset implements Dataset {
    private final Dataset dataset;
    private final int[] indices;

    /**
     * The samples of {@code dataset} at {@code indices}, in that order.
     *
     * @param dataset the underlying dataset
     * @param indices its indices (copied; repeats allowed)
     * @throws KilnException if the dataset or the indices are null, or an index is outside the dataset
     */
    public Subset(Dataset dataset, int[] indices) {
        if (dataset == null || indices == null) {
            throw new KilnException("Subset: the " + (dataset == null ? "dataset" : "indices") + " must not be null");
        }
        this.dataset = dataset;
        this.indices = indices.clone();
        for (int i : this.indices) {
            if (i < 0 || i >= dataset.size()) {
                throw new KilnException("Subset: index " + i + " is outside a dataset of " + dataset.size());
            }
        }
    }

    @Override
    public int size() {
        return indices.length;
    }

    /**
     * The sample at {@code index} of this subset: the underlying dataset's sample at {@link #indexAt(int)}.
     *
     * @param index the sample's index in this subset, in {@code [0, size())}
     * @return the underlying sample's fields
     * @throws KilnException if {@code index} is outside [0, size())
     */
    @Override
    public List<Tensor> get(int index) {
        return dataset.get(indexAt(index));
    }

    Dataset dataset() {
        return dataset;
    }

    /**
     * The underlying dataset's index of sample {@code i}.
     *
     * @param i an index into this subset
     * @return the corresponding index into the underlying dataset
     * @throws KilnException if {@code i} is outside [0, size())
     */
    public int indexAt(int i) {
        if (i < 0 || i >= indices.length) {
            throw new KilnException("Subset: index " + i + " is out of range for a subset of " + indices.length + " samples");
        }
        return indices[i];
    }

    /**
     * The indices into the underlying dataset.
     *
     * @return a copy of the indices, in this subset's order
     */
    public int[] indices() {
        return indices.clone();
    }
}
