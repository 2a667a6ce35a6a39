package dev.kiln.distributed;

import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.data.Data;
import dev.kiln.data.Dataset;
import dev.kiln.data.Sampler;

/**
 * Each rank's share of a dataset (PyTorch's {@code DistributedSampler}): one permutation per epoch
 * from {@code seed + epoch}, the same on every rank, of which rank {@code r} takes positions
 * {@code r, r + size, r + 2·size, ...}. The shards are disjoint and cover the dataset when the group's
 * size divides its length; otherwise the permutation is padded with its own first indices so every
 * rank gets the same count (PyTorch's default), or cut to a multiple with {@code dropLast}. Epochs
 * advance by themselves with each {@link #nextEpoch()}; {@link #setEpoch} sets the next one.
 */
public final class DistributedSampler implements Sampler {
    private final int length;
    private final int replicas;
    private final int rank;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private int epoch;

    /**
     * A sampler of one rank's share, as {@code DistributedSampler(dataset, num_replicas, rank, shuffle, seed, drop_last)}.
     *
     * @param length the dataset's size
     * @param replicas the number of ranks sharing it
     * @param rank this rank, in {@code [0, replicas)}
     * @param shuffle whether each epoch is a fresh permutation (else the indices in order)
     * @param seed the seed every rank shares; epoch {@code e} draws from {@code seed + e}
     * @param dropLast whether to cut the dataset to a multiple of {@code replicas} rather than pad it
     * @throws KilnException if {@code rank} is out of range, {@code length} is negative, or {@code dropLast}
     *     is set for a non-empty dataset of fewer samples than ranks
     */
    public DistributedSampler(int length, int replicas, int rank, boolean shuffle, long seed, boolean dropLast) {
        if (replicas < 1 || rank < 0 || rank >= replicas) {
            throw new KilnException("DistributedSampler: rank " + rank + " is not in [0, " + replicas + ")");
        }
        if (length < 0 || (dropLast && length < replicas && length > 0)) {
            throw new KilnException("DistributedSampler: " + length + " samples cannot be shared by " + replicas + " ranks with dropLast");
        }
        this.length = length;
        this.replicas = replicas;
        this.rank = rank;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
    }

    /**
     * This process's shard of {@code dataset} in {@code group}, shuffled from {@code seed} each epoch, padded.
     *
     * @param dataset the dataset to share
     * @param group the group whose size and rank set the shard
     * @param seed the seed every rank shares
     * @return the sampler, starting at epoch 0
     */
    public static DistributedSampler of(Dataset dataset, ProcessGroup group, long seed) {
        return new DistributedSampler(dataset.size(), group.size(), group.rank(), true, seed, false);
    }

    /**
     * Sets the epoch the next {@link #nextEpoch()} draws, as {@code sampler.set_epoch(epoch)}.
     *
     * @param epoch the epoch number
     */
    public void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    @Override
    public int size() {
        return dropLast ? length / replicas : (length + replicas - 1) / replicas;
    }

    @Override
    public int[] nextEpoch() {
        int[] order;
        if (shuffle) {
            order = Data.randperm(length, new Generator(seed + epoch));
        } else {
            order = new int[length];
            for (int i = 0; i < length; i++) {
                order[i] = i;
            }
        }
        epoch++;
        int per = size();
        int[] mine = new int[per];
        for (int k = 0; k < per; k++) {
            mine[k] = order[(int) ((rank + (long) k * replicas) % length)]; // past the end: padded from the start
        }
        return mine;
    }
}
