package dev.kiln.data;

import dev.kiln.Tensor;
import java.util.List;

/**
 * Samples by index, as {@code torch.utils.data.Dataset}: each sample is a list of tensors (an input
 * and its label, say), which a {@link DataLoader} stacks into batches.
 */
public interface Dataset {
    int size();

    /** Sample {@code index}: its fields, each without a batch dimension. */
    List<Tensor> get(int index);
}
