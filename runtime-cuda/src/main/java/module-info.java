/**
 * The CUDA backend: tensors on {@code cuda:N} live in device memory, eager ops and compiled plans
 * run as CUDA C kernels compiled by NVRTC (or nvcc), through the driver API bound with FFM; no native
 * code of Kiln's own. Grant it native access ({@code --enable-native-access=dev.kiln.cuda}).
 */
module dev.kiln.cuda {
    requires transitive dev.kiln;
    requires dev.kiln.codegen;

    // exports nothing: users reach the backend through ServiceLoader and Kiln.explainCuda
    provides dev.kiln.spi.Backend with dev.kiln.cuda.CudaBackend;
    // NCCL, for dev.kiln.distributed's collectives on CUDA tensors
    provides dev.kiln.spi.DeviceCollectives with dev.kiln.cuda.CudaCollectives;
}
