package dev.kiln.distributed;

/** How {@link ProcessGroup#allReduce} combines the processes' tensors. */
public enum ReduceOp {
    SUM, MEAN, MAX
}
