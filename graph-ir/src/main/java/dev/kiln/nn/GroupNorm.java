package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/** Normalization over groups of channels, as {@code torch.nn.GroupNorm}: weight ones and bias zeros [C] when affine. */
public final class GroupNorm extends Module {
    /** The per-channel scale [C], ones at first; null when not affine. */
    public final Tensor weight;
    /** The per-channel shift [C], zeros at first; null when not affine. */
    public final Tensor bias;
    private final int numGroups;
    private final int numChannels;
    private final double eps;

    /**
     * Group normalization with eps 1e-5, affine, the default dtype.
     *
     * @param numGroups the number of groups the channels are split into, positive, dividing {@code numChannels}
     * @param numChannels the input's channels C
     * @throws KilnException if {@code numGroups} is not positive or does not divide {@code numChannels}
     */
    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true, Kiln.defaultDtype());
    }

    /**
     * Group normalization with every argument of PyTorch's constructor.
     *
     * @param numGroups the number of groups the channels are split into, positive, dividing {@code numChannels}
     * @param numChannels the input's channels C
     * @param eps the value added to the variance for stability (PyTorch's default 1e-5)
     * @param affine whether the layer has a learnable per-channel {@code weight} and {@code bias} (PyTorch's default true)
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if {@code numGroups} is not positive or does not divide {@code numChannels}
     */
    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine, DType dtype) {
        if (numGroups <= 0 || numChannels % numGroups != 0) {
            throw new KilnException("GroupNorm: num_channels must be divisible by num_groups, got num_channels=" + numChannels
                    + ", num_groups=" + numGroups);
        }
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.weight = affine ? parameter("weight", Tensor.ones(Shape.of(numChannels), dtype)) : null;
        this.bias = affine ? parameter("bias", Tensor.zeros(Shape.of(numChannels), dtype)) : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.dim() < 2 || input.size(1) != numChannels) {
            throw new KilnException(this + " expects an input [N, " + numChannels + ", *] (num_channels=" + numChannels + "), got shape "
                    + input.shape());
        }
        return Functional.groupNorm(input, numGroups, weight, bias, eps);
    }

    @Override
    protected String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + Repr.pyFloat(eps) + ", affine=" + (weight != null ? "True" : "False");
    }
}
