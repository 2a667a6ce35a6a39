package dev.kiln.nn;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.Arrays;

/**
 * Batch, layer and group normalization as composites of mean and (biased) variance; batch norm's
 * running estimates are updated in place, outside autograd, with the unbiased variance, as PyTorch does.
 */
final class Normalization {
    private Normalization() {
    }

    /**
     * {@code F.batch_norm} over x [N, C, *]: in training the batch's statistics normalize and, when the
     * running tensors are given, {@code running ← (1 − factor)·running + factor·batch} ({@code factor} a
     * scalar tensor, so a compiled step can compute it from {@code num_batches_tracked}); else the running ones do.
     */
    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
            Tensor factor, double eps) {
        if (x.dim() < 2) {
            throw new KilnException("batchNorm: expected an input [N, C, *] of at least 2 dimensions, got shape " + x.shape());
        }
        int c = x.size(1);
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t != null && (t.dim() != 1 || t.size(0) != c)) {
                throw new KilnException("batchNorm: running statistics, weight and bias must be [" + c + "] (one per channel of input "
                        + x.shape() + "), got shape " + t.shape());
            }
        }
        int[] axes = new int[x.dim() - 1];
        axes[0] = 0;
        long count = x.size(0);
        for (int a = 2; a < x.dim(); a++) {
            axes[a - 1] = a;
            count *= x.size(a);
        }
        int[] perChannel = new int[x.dim()];
        Arrays.fill(perChannel, 1);
        perChannel[1] = c;
        Tensor mean;
        Tensor var;
        if (training || runningMean == null) {
            if (count <= 1) {
                throw new KilnException("batchNorm: Expected more than 1 value per channel when training, got input size " + x.shape()
                        + " (a batch of one with no spatial extent has no variance; use a larger batch, or eval())");
            }
            mean = x.mean(axes, true);
            var = x.var(axes, true, false);
            if (training && runningMean != null) {
                update(runningMean, mean, factor, 1.0);
                update(runningVar, var, factor, count / (count - 1.0));
            }
        } else {
            mean = runningMean.reshape(perChannel);
            var = runningVar.reshape(perChannel);
        }
        Tensor y = x.sub(mean).div(var.add(eps).sqrt());
        if (weight != null) {
            y = y.mul(weight.reshape(perChannel));
        }
        return bias == null ? y : y.add(bias.reshape(perChannel));
    }

    /** running ← (1 − factor)·running + factor·scale·batch, in place and outside autograd. */
    private static void update(Tensor running, Tensor batch, Tensor factor, double scale) {
        try (var noGrad = Kiln.noGrad()) {
            Tensor b = batch.detach().reshape(running.size(0)).mul(scale);
            running.copy_(b.mul(factor).add(running.mul(factor.rsub(1.0))));
        }
    }

    /** {@code F.layer_norm}: normalized over the trailing {@code normalizedShape} dimensions. */
    static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        int k = normalizedShape.length;
        boolean ok = k > 0 && x.dim() >= k;
        for (int i = 0; ok && i < k; i++) {
            ok = x.size(x.dim() - k + i) == normalizedShape[i];
        }
        if (!ok) {
            throw new KilnException("layerNorm: Given normalized_shape=" + Arrays.toString(normalizedShape) + ", expected input with shape [*, "
                    + Arrays.toString(normalizedShape).replaceAll("[\\[\\]]", "") + "], but got input of size" + x.shape());
        }
        Shape expected = Shape.of(normalizedShape);
        for (Tensor t : new Tensor[] {weight, bias}) {
            if (t != null && !t.shape().equals(expected)) {
                throw new KilnException("layerNorm: weight and bias must have the normalized shape " + expected + ", got " + t.shape());
            }
        }
        int[] axes = new int[k];
        for (int i = 0; i < k; i++) {
            axes[i] = x.dim() - k + i;
        }
        Tensor y = standardized(x, axes, eps);
        if (weight != null) {
            y = y.mul(weight);
        }
        return bias == null ? y : y.add(bias);
    }

    /** {@code F.group_norm}: x [N, C, *] normalized over each group of C/numGroups channels and all positions. */
    static Tensor groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        if (x.dim() < 2 || numGroups <= 0 || x.size(1) % numGroups != 0) {
            throw new KilnException("groupNorm: Expected number of channels in input to be divisible by num_groups, but got input of shape "
                    + x.shape() + " and num_groups=" + numGroups);
        }
        int c = x.size(1);
        for (Tensor t : new Tensor[] {weight, bias}) {
            if (t != null && (t.dim() != 1 || t.size(0) != c)) {
                throw new KilnException("groupNorm: weight and bias must be [" + c + "] (one per channel), got shape " + t.shape());
            }
        }
        Tensor y = standardized(x.reshape(x.size(0), numGroups, -1), new int[] {2}, eps).reshape(x.shape().toArray());
        int[] perChannel = new int[x.dim()];
        Arrays.fill(perChannel, 1);
        perChannel[1] = c;
        if (weight != null) {
            y = y.mul(weight.reshape(perChannel));
        }
        return bias == null ? y : y.add(bias.reshape(perChannel));
    }

    /** (x − mean)/√(var + ε) over {@code axes}, the variance biased. */
    private static Tensor standardized(Tensor x, int[] axes, double eps) {
        Tensor mean = x.mean(axes, true);
        Tensor var = x.var(axes, true, false);
        return x.sub(mean).div(var.add(eps).sqrt());
    }
}
