package dev.kiln;

/**
 * {@code x.max()} and {@code x.min()} of a floating tensor, as PyTorch's: the value is the extreme over every
 * element (NaN if any is NaN), and its gradient is shared evenly by the elements equal to it or, when it is
 * NaN, by the NaN elements. (amax's rule, "the elements equal to the result", matches nothing when the result is
 * NaN, and 0/0 makes every element's gradient NaN: PyTorch's amax does that, its max() does not.)
 */
final class ExtremeValue extends Function {
    private final boolean max;

    ExtremeValue(boolean max) {
        this.max = max;
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
        Tensor x = inputs[0];
        int[] all = dev.kiln.ir.Axes.all(x.dim()).toArray();
        Tensor out = max ? x.amax(all, false) : x.amin(all, false);
        ctx.saveForBackward(x, out);
        return out;
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        Tensor x = ctx.savedTensors().get(0);
        Tensor out = ctx.savedTensors().get(1);
        Tensor mask = Tensor.where(out.ne(out), x.ne(x), x.eq(out)).to(x.dtype());
        return new Tensor[] {gradOutput.mul(mask).div(mask.sum())};
    }
}
