/**
 * The CUDA backend: plans compile to CUDA C here ({@code Kiln.explainCuda}), and the launch
 * arguments are packed as {@code cuLaunchKernel} takes them. The runtime that runs them on a GPU
 * (FFM bindings to the driver API and NVRTC, device memory, streams, CUDA graphs) is to come: until
 * then a tensor moved to {@code cuda:N} fails with a message that says so.
 */
module dev.kiln.cuda {
    requires transitive dev.kiln;
    requires dev.kiln.codegen;

    // exports nothing: users reach the backend through ServiceLoader and Kiln.explainCuda
    provides dev.kiln.spi.Backend with dev.kiln.cuda.CudaBackend;
    // NCCL, for dev.kiln.distributed's collectives on CUDA tensors
    provides dev.kiln.spi.DeviceCollectives with dev.kiln.cuda.CudaCollectives;
}
