package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;

/** Batch normalization over [N, C, H, W] per channel, as {@code torch.nn.BatchNorm2d} (see {@link BatchNorm}). */
public final class BatchNorm2d extends BatchNorm {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics; the default dtype. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true, Kiln.defaultDtype());
    }

    /** {@code momentum} null keeps the cumulative average of the batches' statistics, as PyTorch's {@code momentum=None}. */
    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype) {
        super(numFeatures, eps, momentum, affine, trackRunningStats, dtype);
    }

    @Override
    String expectedRank(int rank) {
        return rank == 4 ? null : "a 4-D [N, C, H, W]";
    }
}
