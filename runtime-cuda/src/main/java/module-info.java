/**
 * The CUDA backend, to come: FFM ({@code java.lang.foreign}) bindings to the CUDA driver API and
 * NVRTC (nvcc as a fall-back compiler), device buffers, streams, launches, CUDA graphs and
 * cuBLAS. It exports nothing yet; a tensor on {@code cuda:N} fails at its first op with a
 * message naming this artifact.
 */
module dev.kiln.cuda {
    requires transitive dev.kiln;
    requires dev.kiln.codegen;
}
