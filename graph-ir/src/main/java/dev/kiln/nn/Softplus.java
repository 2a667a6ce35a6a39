package dev.kiln.nn;

import dev.kiln.Tensor;

/** As {@code torch.nn.Softplus(beta, threshold)} (1 and 20 by default). */
public final class Softplus extends Module {
    private final double beta;
    private final double threshold;
    private final String repr;

    /** Softplus with PyTorch's defaults, β = 1 and threshold = 20. */
    public Softplus() {
        this.beta = 1;
        this.threshold = 20;
        this.repr = "beta=1, threshold=20"; // PyTorch's defaults are ints
    }

    /**
     * Softplus log(1 + exp(βx))/β, and x itself where βx &gt; {@code threshold}.
     *
     * @param beta the β of the formula (PyTorch's default 1)
     * @param threshold the value of βx above which the output is x (PyTorch's default 20)
     */
    public Softplus(double beta, double threshold) {
        this.beta = beta;
        this.threshold = threshold;
        this.repr = "beta=" + Repr.pyFloat(beta) + ", threshold=" + Repr.pyFloat(threshold);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.softplus(input, beta, threshold);
    }

    @Override
    protected String extraRepr() {
        return repr;
    }
}
