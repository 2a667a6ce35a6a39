package dev.kiln.data;

import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of tensors that share their first dimension, as {@code torch.utils.data.TensorDataset}:
 * sample {@code i} is row {@code i} of each. A {@link DataLoader} gathers its batches by copying rows,
 * without stacking samples one by one.
 */
public final class TensorDataset implements Dataset {
    private final List<Tensor> tensors;

    /**
     * A dataset of the rows of {@code tensors}, each kept detached and contiguous.
     *
     * @param tensors one or more tensors of rank at least 1 with the same first dimension
     * @throws KilnException if none is given, one is 0-d, or their first dimensions differ
     */
    public TensorDataset(Tensor... tensors) {
        if (tensors.length == 0) {
            throw new KilnException("TensorDataset: give at least one tensor");
        }
        for (Tensor t : tensors) {
            if (t.dim() == 0 || t.size(0) != tensors[0].size(0)) {
                throw new KilnException("TensorDataset: every tensor needs the same first dimension, got "
                        + tensors[0].shape() + " and " + t.shape());
            }
        }
        List<Tensor> c = new ArrayList<>();
        for (Tensor t : tensors) {
            c.add(t.detach().contiguous());
        }
        this.tensors = List.copyOf(c);
    }

    @Override
    public int size() {
        return tensors.getFirst().size(0);
    }

    @Override
    public List<Tensor> get(int index) {
        List<Tensor> out = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            out.add(t.select(0, index));
        }
        return out;
    }

    /**
     * The tensors, whole.
     *
     * @return the detached, contiguous tensors, in the order given (unmodifiable)
     */
    public List<Tensor> tensors() {
        return tensors;
    }
}
