/**
 * Kiln's core: tensors and autograd, the graph IR, autodiff and graph passes. No dependencies, and no
 * native code (data-parallel training on MPI is the module {@code dev.kiln.distributed}).
 * Exported to everyone: what users import — the user API ({@code dev.kiln}), {@code nn},
 * {@code optim}, {@code io} (safetensors, checkpoints), {@code model}, {@code data} and {@code testing}
 * ({@code GradCheck}). The IR and the cache keys go only to the modules that compile and run graphs (and
 * the IR, the storage types and the tracer to {@code dev.kiln.distributed}, which adds the all-reduce op
 * to traced steps), as does {@code internal}, the bridge to the API's package-private
 * members; autodiff and the passes are internal.
 */
module dev.kiln {
    exports dev.kiln;
    exports dev.kiln.nn;
    exports dev.kiln.optim;
    exports dev.kiln.testing;
    exports dev.kiln.io;
    exports dev.kiln.io.tensorboard;
    exports dev.kiln.model;
    exports dev.kiln.data;

    exports dev.kiln.spi to dev.kiln.codegen, dev.kiln.cpu, dev.kiln.cuda, dev.kiln.distributed;
    exports dev.kiln.ir to dev.kiln.codegen, dev.kiln.cpu, dev.kiln.cuda, dev.kiln.distributed, dev.kiln.onnx;
    exports dev.kiln.cache to dev.kiln.cpu, dev.kiln.cuda;
    // the bridge to the API's package-private members (a tensor's storage, a custom function's calls)
    exports dev.kiln.internal to dev.kiln.cpu, dev.kiln.distributed, dev.kiln.onnx;

    uses dev.kiln.spi.Backend;
    uses dev.kiln.internal.VizData.Renderer;
}
