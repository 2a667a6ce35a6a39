package dev.kiln;

import dev.kiln.ir.Op;

/**
 * One recorded op of the eager tape: the op, the tensors it read and their storage versions
 * then. The tape is IR: backward turns these into a {@link dev.kiln.ir.Graph} and differentiates it.
 */
final class GradFn {
    final Op op;
    private Tensor[] inputs;
    private final int[] versions;
    final String site;

    GradFn(Op op, Tensor[] inputs) {
        this.op = op;
        this.inputs = inputs;
        this.versions = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            versions[i] = inputs[i].data().storage().version();
        }
        this.site = Kiln.isAnomalyDetectionEnabled() ? KilnException.userSite() : null;
    }

    /** The inputs, or null once backward has freed this part of the graph. */
    Tensor[] inputs() {
        return inputs;
    }

    int version(int i) {
        return versions[i];
    }

    /** Frees the saved inputs (backward without retainGraph), so finished steps hold no memory. */
    void release() {
        inputs = null;
    }
}
