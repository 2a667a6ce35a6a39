package dev.kiln.data;

import dev.kiln.Tensor;
import java.util.List;

/**
 * Samples by index, as {@code torch.utils.data.Dataset}: each sample is a list of tensors (an input
 * and its label, say), which a {@link DataLoader} stacks into batches.
 */
public interface Dataset {
    /**
     * The number of samples, as {@code len(dataset)}.
     *
     * @return the sample count
     */
    int size();

    /**
     * Sample {@code index}: its fields, each without a batch dimension.
     *
     * @param index the sample's index, in {@code [0, size())}
     * @return the sample's fields (the same number and shapes for every sample)
     */
    List<Tensor> get(int index);
}
