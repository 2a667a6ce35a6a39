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
    /** The elementwise scale of {@code normalizedShape}, ones at first; null without elementwise affine. */
    public final Tensor weight;
    /** The elementwise shift of {@code normalizedShape}, zeros at first; null without elementwise affine. */
    public final Tensor bias;
    private final int[] normalizedShape;
    private final double eps;

    /**
     * Layer normalization with eps 1e-5, elementwise affine, the default dtype.
     *
     * @param normalizedShape the sizes of the input's last dimensions, normalized together; at least one
     * @throws KilnException if {@code normalizedShape} is empty
     */
    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, 1e-5, true, Kiln.defaultDtype());
    }

    /**
     * Layer normalization with every argument of PyTorch's constructor but {@code bias} (which comes with the weight).
     *
     * @param normalizedShape the sizes of the input's last dimensions, normalized together; at least one
     * @param eps the value added to the variance for stability (PyTorch's default 1e-5)
     * @param elementwiseAffine whether the layer has a learnable {@code weight} and {@code bias} (PyTorch's default true)
     * @param dtype the parameters' dtype, a floating one
     * @throws KilnException if {@code normalizedShape} is empty or the dtype is not floating
     */
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
