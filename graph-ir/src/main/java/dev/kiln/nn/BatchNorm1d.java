package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;

/** Batch normalization over [N, C] or [N, C, L] per channel, as {@code torch.nn.BatchNorm1d} (see {@link BatchNorm}). */
public final class BatchNorm1d extends BatchNorm {
    /**
     * Batch normalization with PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics;
     * the default dtype.
     *
     * @param numFeatures the channels C, positive
     * @throws dev.kiln.KilnException if {@code numFeatures} is not positive
     */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true, Kiln.defaultDtype());
    }

    /**
     * Batch normalization with every argument of PyTorch's constructor.
     *
     * @param numFeatures the channels C, positive
     * @param eps the value added to the variance for stability (PyTorch's default 1e-5)
     * @param momentum the weight of each batch in the running statistics (PyTorch's default 0.1); null keeps the
     *        cumulative average of the batches' statistics, as PyTorch's {@code momentum=None}
     * @param affine whether the layer has a learnable {@code weight} and {@code bias} (PyTorch's default true)
     * @param trackRunningStats whether the layer keeps running statistics, used in eval mode; without them eval
     *        mode normalizes with the batch's statistics (PyTorch's default true)
     * @param dtype the parameters' and buffers' dtype, a floating one
     * @throws dev.kiln.KilnException if {@code numFeatures} is not positive or the dtype is not floating
     */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype) {
        super(numFeatures, eps, momentum, affine, trackRunningStats, dtype);
    }

    @Override
    String expectedRank(int rank) {
        return rank == 2 || rank == 3 ? null : "a 2-D [N, C] or 3-D [N, C, L]";
    }
}
