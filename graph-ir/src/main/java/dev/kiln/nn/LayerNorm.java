package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/**
 * Normalization over the last dimensions, as {@code torch.nn.LayerNorm}: weight ones and bias zeros of
 * {@code normalizedShape} when elementwise-affine.
 */
public final class LayerNorm extends Module {
    /** Null without elementwise affine. */
    public final Tensor weight;
    /** Null without elementwise affine. */
    public final Tensor bias;
    private final int[] normalizedShape;
    private final double eps;

    /** eps 1e-5, elementwise affine, the default dtype. */
    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, 1e-5, true, Kiln.defaultDtype());
    }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, DType dtype) {
        if (normalizedShape.length == 0 || dtype == null || !dtype.isFloating()) {
            throw new KilnException("LayerNorm: needs a non-empty normalized shape and a floating dtype, got "
                    + java.util.Arrays.toString(normalizedShape) + " and " + dtype);
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        Shape s = Shape.of(normalizedShape);
        this.weight = elementwiseAffine ? parameter("weight", Tensor.ones(s, dtype)) : null;
        this.bias = elementwiseAffine ? parameter("bias", Tensor.zeros(s, dtype)) : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.layerNorm(input, normalizedShape, weight, bias, eps);
    }

    @Override
    protected String extraRepr() {
        return Conv2d.tuple(normalizedShape).replace(")", normalizedShape.length == 1 ? ",)" : ")") + ", eps=" + Repr.pyFloat(eps)
                + ", elementwise_affine=" + (weight != null ? "True" : "False");
    }
}
