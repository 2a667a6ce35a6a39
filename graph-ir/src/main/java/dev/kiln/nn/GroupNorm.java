package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/** Normalization over groups of channels, as {@code torch.nn.GroupNorm}: weight ones and bias zeros [C] when affine. */
public final class GroupNorm extends Module {
    /** Null when not affine. */
    public final Tensor weight;
    /** Null when not affine. */
    public final Tensor bias;
    private final int numGroups;
    private final int numChannels;
    private final double eps;

    /** eps 1e-5, affine, the default dtype. */
    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true, Kiln.defaultDtype());
    }

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
