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

    public CrossEntropyLoss() {
    }

    public CrossEntropyLoss(Reduction reduction) {
        reduction(reduction);
    }

    /** Per-class weights (a 1-D floating tensor of C entries). */
    public CrossEntropyLoss weight(Tensor classWeights) {
        if (classWeights == null || classWeights.dim() != 1 || !classWeights.dtype().isFloating()) {
            throw new KilnException("CrossEntropyLoss: weight must be a 1-D floating tensor of one weight per class");
        }
        this.weight = registerBuffer("weight", classWeights);
        return this;
    }

    public CrossEntropyLoss ignoreIndex(int index) {
        this.ignoreIndex = index;
        return this;
    }

    public CrossEntropyLoss labelSmoothing(double epsilon) {
        if (epsilon < 0 || epsilon > 1) {
            throw new KilnException("CrossEntropyLoss: labelSmoothing must be in [0, 1], got " + epsilon);
        }
        this.labelSmoothing = epsilon;
        return this;
    }

    public CrossEntropyLoss reduction(Reduction r) {
        if (r == null) {
            throw new KilnException("CrossEntropyLoss: the reduction must not be null");
        }
        this.reduction = r;
        return this;
    }

    public Tensor forward(Tensor input, Tensor target) {
        return Functional.crossEntropy(input, target, weight, ignoreIndex, labelSmoothing, reduction);
    }
}
