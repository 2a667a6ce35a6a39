package dev.kiln.nn;

import dev.kiln.Tensor;

/** Negative log-likelihood of log-probabilities ([N, C], [N, C, d1, ..., dk] or [C]) at class indices, as {@code torch.nn.NLLLoss}. */
public final class NLLLoss extends Module {
    private final Tensor weight;
    private final int ignoreIndex;
    private final Reduction reduction;

    /** The loss with PyTorch's defaults: no weights, ignore index −100, the mean. */
    public NLLLoss() {
        this(null, Functional.IGNORE_INDEX, Reduction.MEAN);
    }

    /**
     * The loss with class weights, an ignore index and a reduction.
     *
     * @param weight the per-class weights, 1-D of C entries, registered as a buffer; null for none (PyTorch's default)
     * @param ignoreIndex the class index whose targets contribute nothing (PyTorch's default −100)
     * @param reduction how the per-sample losses combine (PyTorch's default {@link Reduction#MEAN}, which divides by
     *        the summed weights of the targets counted); not null
     * @throws dev.kiln.KilnException if {@code reduction} is null or {@code weight} requires grad
     */
    public NLLLoss(Tensor weight, int ignoreIndex, Reduction reduction) {
        this.reduction = Reduction.checked("NLLLoss", reduction);
        this.weight = weight == null ? null : registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
    }

    /**
     * The loss of log-probabilities {@code input} at class indices {@code target}, as {@code F.nll_loss}.
     *
     * @param input the log-probabilities, [N, C], [N, C, d1, ..., dk] or [C]
     * @param target int64 class indices, [N], [N, d1, ..., dk] or [], in [0, C) or the ignore index
     * @return the loss: a scalar, or [N, d1, ..., dk] with {@link Reduction#NONE}
     * @throws dev.kiln.KilnException if the shapes or the target's dtype do not fit, the weights are not one per class,
     *         or (outside a compiled function) a class index is out of range
     */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.nllLoss(input, target, weight, ignoreIndex, reduction);
    }
}
