package dev.kiln.nn;

import dev.kiln.Tensor;

/** As {@code torch.nn.Softplus(beta, threshold)} (1 and 20 by default). */
public final class Softplus extends Module {
    private final double beta;
    private final double threshold;
    private final String repr;

    public Softplus() {
        this.beta = 1;
        this.threshold = 20;
        this.repr = "beta=1, threshold=20"; // PyTorch's defaults are ints
    }

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
