package dev.kiln.data;

/**
 * The order in which a {@link DataLoader} visits a dataset, one epoch at a time (PyTorch's
 * {@code Sampler}): {@code dev.kiln.distributed.DistributedSampler} gives each process its shard.
 */
public interface Sampler {
    /**
     * The indices of the next epoch, in visiting order (each call is one epoch).
     *
     * @return dataset indices, {@link #size()} of them
     */
    int[] nextEpoch();

    /**
     * How many indices each epoch has.
     *
     * @return the epoch length
     */
    int size();
}
