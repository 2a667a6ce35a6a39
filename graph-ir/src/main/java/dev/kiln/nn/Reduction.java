package dev.kiln.nn;

import dev.kiln.KilnException;

/** How a loss combines its per-element values, as PyTorch's {@code reduction}: none, mean (the default) or sum. */
public enum Reduction {
    /** No reduction: the loss of each element, in the input's shape (without the class dimension for class losses). */
    NONE,
    /** The mean of the per-element losses (a weighted mean for class losses with weights): a scalar. */
    MEAN,
    /** The sum of the per-element losses: a scalar. */
    SUM;

    /** {@code r}, refused when null, so a loss fails where it is made rather than at its first forward. */
    static Reduction checked(String loss, Reduction r) {
        if (r == null) {
            throw new KilnException(loss + ": the reduction must not be null (Reduction.NONE, MEAN or SUM)");
        }
        return r;
    }
}
