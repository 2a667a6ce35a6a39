package dev.kiln.model;

/** How a {@link Param} or {@link Buffer} starts, drawn from the calling thread's default generator in declaration order. */
public enum Init {
    /** Standard normal, as {@code torch.randn}. */
    RANDN,
    /**
     * U(−1/√fan_in, 1/√fan_in), as PyTorch's {@code Linear} initializes its weight: fan_in is the
     * product of the dimensions after the first (the first one for a 1-D shape). Needs a shape.
     */
    UNIFORM,
    ZEROS,
    ONES,
    /** Every element {@code value}. */
    CONSTANT
}
