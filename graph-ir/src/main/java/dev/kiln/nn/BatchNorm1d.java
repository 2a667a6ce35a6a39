package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;

/** Batch normalization over [N, C] or [N, C, L] per channel, as {@code torch.nn.BatchNorm1d} (see {@link BatchNorm}). */
public final class BatchNorm1d extends BatchNorm {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics; the default dtype. */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true, Kiln.defaultDtype());
    }

    /** {@code momentum} null keeps the cumulative average of the batches' statistics, as PyTorch's {@code momentum=None}. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype) {
        super(numFeatures, eps, momentum, affine, trackRunningStats, dtype);
    }

    @Override
    String expectedRank(int rank) {
        return rank == 2 || rank == 3 ? null : "a 2-D [N, C] or 3-D [N, C, L]";
    }
}
