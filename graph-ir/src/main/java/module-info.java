/** Kiln's core: tensors and autograd, the graph IR, autodiff and graph passes. No dependencies. */
module dev.kiln {
    exports dev.kiln;
    exports dev.kiln.cache;
    exports dev.kiln.ir;
    exports dev.kiln.autodiff;
    exports dev.kiln.pass;
    exports dev.kiln.nn;
    exports dev.kiln.optim;

    uses dev.kiln.Backend;
}
