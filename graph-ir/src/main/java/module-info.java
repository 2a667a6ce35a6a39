/**
 * Kiln's core: tensors and autograd, the graph IR, autodiff and graph passes. No dependencies.
 * Exported to everyone: what users import — the user API ({@code dev.kiln}), {@code nn},
 * {@code optim}, {@code io} (safetensors, checkpoints), {@code model}, {@code data}, {@code distributed} (data-parallel
 * training on MPI) and {@code testing} ({@code GradCheck}). The IR and the cache keys go only to the
 * modules that compile and run graphs, as does {@code internal}, the bridge to the API's package-private
 * members; autodiff and the passes are internal.
 */
module dev.kiln {
    exports dev.kiln;
    exports dev.kiln.nn;
    exports dev.kiln.optim;
    exports dev.kiln.testing;
    exports dev.kiln.io;
    exports dev.kiln.model;
    exports dev.kiln.data;
    exports dev.kiln.distributed;

    exports dev.kiln.spi to dev.kiln.codegen, dev.kiln.cpu, dev.kiln.cuda;
    exports dev.kiln.ir to dev.kiln.codegen, dev.kiln.cpu, dev.kiln.cuda;
    exports dev.kiln.cache to dev.kiln.cpu, dev.kiln.cuda;
    // the bridge to the API's package-private members (a tensor's storage, a custom function's calls)
    exports dev.kiln.internal to dev.kiln.cpu;

    uses dev.kiln.spi.Backend;
}
