package dev.kiln.nn;

import dev.kiln.Tensor;

/** Negative log-likelihood of log-probabilities ([N, C], [N, C, d1, ..., dk] or [C]) at class indices, as {@code torch.nn.NLLLoss}. */
public final class NLLLoss extends Module {
    private final Tensor weight;
    private final int ignoreIndex;
    private final Reduction reduction;

    public NLLLoss() {
        this(null, Functional.IGNORE_INDEX, Reduction.MEAN);
    }

    /** {@code weight} per class, or null. */
    public NLLLoss(Tensor weight, int ignoreIndex, Reduction reduction) {
        this.weight = weight == null ? null : registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
        this.reduction = reduction;
    }

    public Tensor forward(Tensor input, Tensor target) {
        return Functional.nllLoss(input, target, weight, ignoreIndex, reduction);
    }
}
