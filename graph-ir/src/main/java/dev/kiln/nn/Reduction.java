package dev.kiln.nn;

/** How a loss combines its per-element values, as PyTorch's {@code reduction}: none, mean (the default) or sum. */
public enum Reduction {
    /** No reduction: the loss of each element, in the input's shape (without the class dimension for class losses). */
    NONE,
    /** The mean of the per-element losses (a weighted mean for class losses with weights): a scalar. */
    MEAN,
    /** The sum of the per-element losses: a scalar. */
    SUM
}
