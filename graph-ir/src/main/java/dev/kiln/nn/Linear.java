package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/** {@code y = x Wᵀ + b} with W of shape [out, in], as {@code torch.nn.Linear}. */
public final class Linear extends Module {
    /** The weight W, [out_features, in_features]. */
    public final Tensor weight;
    /** The bias b, [out_features]; null when made without bias. */
    public final Tensor bias;
    private final int inFeatures;
    private final int outFeatures;

    /**
     * A layer with bias, drawn from the default generator, of the default dtype (see {@link Kiln#defaultDtype(DType)}).
     *
     * @param inFeatures the input's last dimension, not negative
     * @param outFeatures the output's last dimension, not negative
     * @throws dev.kiln.KilnException if a size is negative
     */
    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * A layer with bias, drawn from the default generator, of {@code dtype} (PyTorch's {@code Linear(in, out, dtype=...)}).
     *
     * @param inFeatures the input's last dimension, not negative
     * @param outFeatures the output's last dimension, not negative
     * @param dtype the parameters' dtype, a floating one
     * @throws dev.kiln.KilnException if a size is negative or the dtype is not floating
     */
    public Linear(int inFeatures, int outFeatures, DType dtype) {
        this(inFeatures, outFeatures, true, Kiln.defaultGenerator(), dtype);
    }

    /**
     * A layer of the default dtype drawn from {@code generator}.
     *
     * @param inFeatures the input's last dimension, not negative
     * @param outFeatures the output's last dimension, not negative
     * @param bias whether to add a learnable bias (PyTorch's default true)
     * @param generator the random generator that initializes the parameters
     * @throws dev.kiln.KilnException if a size is negative
     */
    public Linear(int inFeatures, int outFeatures, boolean bias, Generator generator) {
        this(inFeatures, outFeatures, bias, generator, Kiln.defaultDtype());
    }

    /**
     * PyTorch's initialisation: weights Kaiming-uniform with a = √5, which is U(±1/√in), and
     * bias U(±1/√in), drawn from {@code generator} (weights first), of {@code dtype}.
     *
     * @param inFeatures the input's last dimension, not negative
     * @param outFeatures the output's last dimension, not negative
     * @param bias whether to add a learnable bias (PyTorch's default true)
     * @param generator the random generator that initializes the parameters
     * @param dtype the parameters' dtype, a floating one
     * @throws dev.kiln.KilnException if a size is negative or the dtype is not floating
     */
    public Linear(int inFeatures, int outFeatures, boolean bias, Generator generator, DType dtype) {
        if (inFeatures < 0 || outFeatures < 0) {
            throw new dev.kiln.KilnException("Linear: negative size (in_features=" + inFeatures + ", out_features="
                    + outFeatures + ")");
        }
        if (dtype == null || !dtype.isFloating()) {
            throw new dev.kiln.KilnException("Linear: parameters must be floating, got dtype " + dtype);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        // kaiming_uniform_(a = √5) works out to this bound; Init.kaimingUniform_ would reach it through √3·√(1/3),
        // a few ulps off in float64, so the bound is given directly and seeded models keep their values
        double bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
        this.weight = parameter("weight", Init.uniform_(Tensor.zeros(Shape.of(outFeatures, inFeatures), dtype), -bound, bound, generator));
        this.bias = bias ? parameter("bias", Init.uniform_(Tensor.zeros(Shape.of(outFeatures), dtype), -bound, bound, generator)) : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.dim() == 0 || input.size(-1) != inFeatures) {
            throw new dev.kiln.KilnException("Linear(" + extraRepr() + ") expects inputs whose last dimension is "
                    + inFeatures + " (in_features), got shape " + input.shape());
        }
        if (input.dtype() != weight.dtype()) {
            throw new dev.kiln.KilnException("Linear(" + extraRepr() + "): the input is " + input.dtype() + " but the weight is "
                    + weight.dtype() + " (PyTorch: mat1 and mat2 must have the same dtype); matrix products do not promote:"
                    + " convert the input with input.to(DType." + weight.dtype().name() + ")"
                    + (input.dtype().isFloating() ? " or the module with module.to(DType." + input.dtype().name() + ")" : ""));
        }
        Tensor y = input.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null ? "True" : "False");
    }
}
