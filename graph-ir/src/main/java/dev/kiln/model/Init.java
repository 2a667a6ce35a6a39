package dev.kiln.model;

/** How a {@link Param} or {@link Buffer} starts, drawn from the calling thread's default generator in declaration order. */
public enum Init {
    /** Standard normal, as {@code torch.randn}. */
    RANDN,
    /**
     * U(−1/√fanIn, 1/√fanIn), as PyTorch's {@code Linear} initializes its weight; {@code fanIn} is
     * given in the annotation (a shape alone does not say which dimension the inputs are).
     */
    UNIFORM,
    /** Every element 0, as {@code torch.zeros}. */
    ZEROS,
    /** Every element 1, as {@code torch.ones}. */
    ONES,
    /** Every element {@code value}. */
    CONSTANT
}
