/**
 * Data-parallel training on MPI ({@code torch.distributed} and {@code DistributedDataParallel}): the
 * only Kiln module that calls native code (MPI through FFM), so only an application that trains across
 * processes grants native access, and to this module alone.
 */
module dev.kiln.distributed {
    requires transitive dev.kiln;

    exports dev.kiln.distributed;

    // collectives on device tensors (NCCL, from dev.kiln.cuda), found at run time
    uses dev.kiln.spi.DeviceCollectives;
}
