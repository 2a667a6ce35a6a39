package dev.kiln.data;

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
     * @throws dev.kiln.KilnException if an index is outside the dataset
     */
    public Subset(Dataset dataset, int[] indices) {
        this.dataset = dataset;
        this.indices = indices.clone();
        for (int i : this.indices) {
            if (i < 0 || i >= dataset.size()) {
                throw new dev.kiln.KilnException("Subset: index " + i + " is outside a dataset of " + dataset.size());
            }
        }
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public List<Tensor> get(int index) {
        return dataset.get(indices[index]);
    }

    Dataset dataset() {
        return dataset;
    }

    /**
     * The underlying dataset's index of sample {@code i}.
     *
     * @param i an index into this subset
     * @return the corresponding index into the underlying dataset
     */
    public int indexAt(int i) {
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
