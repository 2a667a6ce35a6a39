package dev.kiln.nn;

/** How a loss combines its per-element values, as PyTorch's {@code reduction}: none, mean (the default) or sum. */
public enum Reduction { NONE, MEAN, SUM }
