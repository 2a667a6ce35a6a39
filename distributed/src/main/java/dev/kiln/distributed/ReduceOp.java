package dev.kiln.distributed;

/** How {@link ProcessGroup#allReduce} combines the processes' tensors. */
public enum ReduceOp {
    /** The elementwise sum over ranks. */
    SUM,
    /** The elementwise mean over ranks (the sum divided by the group's size). */
    MEAN,
    /** The elementwise maximum over ranks. */
    MAX
}
