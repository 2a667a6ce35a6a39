package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/**
 * The batch normalization of {@link BatchNorm1d} and {@link BatchNorm2d}, as PyTorch's {@code _BatchNorm}:
 * parameters {@code weight} (ones) and {@code bias} (zeros) when affine; buffers {@code running_mean},
 * {@code running_var} and {@code num_batches_tracked} when tracking running statistics. A null momentum
 * keeps the cumulative average (factor 1/num_batches_tracked, computed as a tensor so a compiled step reads
 * the count it is called with).
 */
abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    /** Null when not affine. */
    public final Tensor weight;
    /** Null when not affine. */
    public final Tensor bias;
    /** Null when not tracking running statistics. */
    public final Tensor runningMean;
    /** Null when not tracking running statistics. */
    public final Tensor runningVar;
    /** Null when not tracking running statistics. */
    public final Tensor numBatchesTracked;
    private final int numFeatures;
    private final double eps;
    private final Double momentum;

    BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype) {
        if (numFeatures <= 0) {
            throw new KilnException(getClass().getSimpleName() + ": num_features must be positive, got " + numFeatures);
        }
        if (dtype == null || !dtype.isFloating()) {
            throw new KilnException(getClass().getSimpleName() + ": parameters must be floating, got dtype " + dtype);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        Shape c = Shape.of(numFeatures);
        this.weight = affine ? parameter("weight", Tensor.ones(c, dtype)) : null;
        this.bias = affine ? parameter("bias", Tensor.zeros(c, dtype)) : null;
        this.runningMean = trackRunningStats ? registerBuffer("running_mean", Tensor.zeros(c, dtype)) : null;
        this.runningVar = trackRunningStats ? registerBuffer("running_var", Tensor.ones(c, dtype)) : null;
        this.numBatchesTracked = trackRunningStats ? registerBuffer("num_batches_tracked", Tensor.zeros(Shape.scalar(), DType.INT64)) : null;
    }

    /** The input ranks this layer takes (PyTorch's {@code _check_input_dim}), as text for errors; null when {@code rank} is one. */
    abstract String expectedRank(int rank);

    @Override
    public Tensor forward(Tensor input) {
        String rank = expectedRank(input.dim());
        if (rank != null) {
            throw new KilnException(this + ": expected " + rank + " input, got shape " + input.shape());
        }
        if (input.size(1) != numFeatures) {
            throw new KilnException(this + ": expected an input with " + numFeatures + " channels (num_features) in dimension 1, got shape "
                    + input.shape());
        }
        boolean training = isTraining();
        boolean batchStats = training || runningMean == null;
        long perChannel = input.numel() / Math.max(1, input.size(1));
        if (batchStats && perChannel <= 1) {
            throw new KilnException(this + ": Expected more than 1 value per channel when training, got input size " + input.shape()
                    + " (use a batch larger than one, or eval() to normalize with the running statistics)");
        }
        Tensor factor = null;
        if (training && runningMean != null) {
            try (var noGrad = Kiln.noGrad()) {
                numBatchesTracked.add_(1L);
                factor = momentum == null ? numBatchesTracked.to(input.dtype()).pow(-1.0) : Tensor.scalar(momentum, input.dtype());
            }
        }
        return Normalization.batchNorm(input, runningMean, runningVar, weight, bias, training, factor, eps);
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + Repr.pyFloat(eps) + ", momentum=" + (momentum == null ? "None" : Repr.pyFloat(momentum)) + ", affine="
                + (weight != null ? "True" : "False") + ", track_running_stats=" + (runningMean != null ? "True" : "False");
    }
}
