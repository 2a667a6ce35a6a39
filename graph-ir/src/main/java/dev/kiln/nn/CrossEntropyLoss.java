package dev.kiln.nn;

import dev.kiln.KilnException;
import dev.kiln.Tensor;

/**
 * Cross-entropy of logits ([N, C], [N, C, d1, ..., dk] or [C]) against class indices or class
 * probabilities, as {@code torch.nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing)}; configured
 * fluently: {@code new CrossEntropyLoss().weight(w).ignoreIndex(3).labelSmoothing(0.1)}. The class
 * weights are a buffer, as in PyTorch.
 */
public final class CrossEntropyLoss extends Module {
    private Tensor weight;
    private int ignoreIndex = Functional.IGNORE_INDEX;
    private double labelSmoothing;
    private Reduction reduction = Reduction.MEAN;

    /** The loss with PyTorch's defaults: no weights, ignore index −100, no label smoothing, the mean. */
    public CrossEntropyLoss() {
    }

    /**
     * The loss with PyTorch's defaults but the reduction.
     *
     * @param reduction how the per-sample losses combine
     * @throws KilnException if {@code reduction} is null
     */
    public CrossEntropyLoss(Reduction reduction) {
        reduction(reduction);
    }

    /**
     * Sets per-class weights, registered as the buffer {@code weight}; with {@link Reduction#MEAN} the mean divides
     * by the summed weights of the targets counted. May be set once.
     *
     * @param classWeights a 1-D floating tensor of C entries, of the input's dtype
     * @return this loss
     * @throws KilnException if {@code classWeights} is null, not 1-D or not floating, requires grad, or weights were set before
     */
    public CrossEntropyLoss weight(Tensor classWeights) {
        if (classWeights == null || classWeights.dim() != 1 || !classWeights.dtype().isFloating()) {
            throw new KilnException("CrossEntropyLoss: weight must be a 1-D floating tensor of one weight per class");
        }
        this.weight = registerBuffer("weight", classWeights);
        return this;
    }

    /**
     * Sets the class index whose targets contribute nothing (class-index targets only).
     *
     * @param index the ignored index (PyTorch's default −100)
     * @return this loss
     */
    public CrossEntropyLoss ignoreIndex(int index) {
        this.ignoreIndex = index;
        return this;
    }

    /**
     * Sets label smoothing: the target becomes a mix of {@code 1 − epsilon} of itself and {@code epsilon} spread
     * uniformly over the classes.
     *
     * @param epsilon the smoothing, in [0, 1] (PyTorch's default 0)
     * @return this loss
     * @throws KilnException if {@code epsilon} is outside [0, 1]
     */
    public CrossEntropyLoss labelSmoothing(double epsilon) {
        if (epsilon < 0 || epsilon > 1) {
            throw new KilnException("CrossEntropyLoss: labelSmoothing must be in [0, 1], got " + epsilon);
        }
        this.labelSmoothing = epsilon;
        return this;
    }

    /**
     * Sets how the per-sample losses combine.
     *
     * @param r the reduction (PyTorch's default {@link Reduction#MEAN})
     * @return this loss
     * @throws KilnException if {@code r} is null
     */
    public CrossEntropyLoss reduction(Reduction r) {
        if (r == null) {
            throw new KilnException("CrossEntropyLoss: the reduction must not be null");
        }
        this.reduction = r;
        return this;
    }

    /**
     * The loss of logits {@code input} against {@code target}, as {@code F.cross_entropy}: class indices when the
     * target's shape is the input's without C, class probabilities when it is the input's shape.
     *
     * @param input the logits, [N, C], [N, C, d1, ..., dk] or [C]
     * @param target int64 class indices, [N], [N, d1, ..., dk] or [], in [0, C) or the ignore index; or floating class
     *        probabilities of the input's shape
     * @return the loss: a scalar, or [N, d1, ..., dk] with {@link Reduction#NONE}
     * @throws KilnException if the shapes or dtypes do not fit, the weights are not one per class, or (outside a
     *         compiled function) a class index is out of range
     */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.crossEntropy(input, target, weight, ignoreIndex, labelSmoothing, reduction);
    }
}
