package dev.kiln.nn;

import dev.kiln.Function;
import dev.kiln.Tensor;

/**
 * {@code F.binary_cross_entropy} per element, −(y·log p + (1 − y)·log(1 − p)) with each log at least −100,
 * and PyTorch's gradient rather than the logs': (p − y) / max(p(1 − p), 1e-12f) for p, finite at p = 0 and
 * p = 1 (where a saturated float32 sigmoid lands, and d log(1 − p) would give 0·∞ = NaN), and
 * log(1 − p) − log p (each at least −100) for y. Backward is written in tensor ops, so it differentiates again.
 */
final class BinaryCrossEntropy extends Function {
    /** PyTorch's {@code EPSILON} in {@code binary_cross_entropy_backward}: a float, 1e-12f, in both dtypes. */
    static final double EPSILON = 1e-12f;

    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
        Tensor p = inputs[0];
        Tensor y = inputs[1];
        ctx.saveForBackward(p, y);
        return y.mul(logAtLeast(p)).add(y.rsub(1.0).mul(logAtLeast(p.rsub(1.0)))).neg();
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        Tensor p = ctx.savedTensors().get(0);
        Tensor y = ctx.savedTensors().get(1);
        Tensor dp = ctx.needsInputGrad(0) ? gradOutput.mul(p.sub(y)).div(p.mul(p.rsub(1.0)).clampMin(EPSILON)) : null;
        Tensor dy = ctx.needsInputGrad(1) ? gradOutput.mul(logAtLeast(p.rsub(1.0)).sub(logAtLeast(p))) : null;
        return new Tensor[] {dp, dy};
    }

    private static Tensor logAtLeast(Tensor q) {
        return q.log().clampMin(-100);
    }
}
