package dev.kiln;

/**
 * Variance over some axes, Σ(x − mean)² / divisor, with PyTorch's gradient 2(x − mean)/divisor·g: the
 * mean's own path is left out, as it is zero wherever the value is finite, and where a slice holds ±∞ (its
 * value NaN) it would make every gradient of the slice NaN, where PyTorch's are ±∞. Backward is written in
 * tensor ops through the mean, so the second derivative is exact.
 */
final class Variance extends Function {
    private final int[] axes;
    private final boolean keepDim;
    private final double divisor;

    Variance(int[] axes, boolean keepDim, double divisor) {
        this.axes = axes;
        this.keepDim = keepDim;
        this.divisor = divisor;
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
        Tensor x = inputs[0];
        ctx.saveForBackward(x);
        Tensor centered = x.sub(x.mean(axes, true));
        return centered.mul(centered).sum(axes, keepDim).div(divisor);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        Tensor x = ctx.savedTensors().get(0);
        int[] kept = x.shape().toArray();
        for (int a : axes) {
            kept[a] = 1;
        }
        Tensor g = gradOutput.reshape(kept);
        return new Tensor[] {g.mul(x.sub(x.mean(axes, true))).mul(2 / divisor)};
    }
}
