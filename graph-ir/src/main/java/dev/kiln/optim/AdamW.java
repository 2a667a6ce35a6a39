package dev.kiln.optim;

import dev.kiln.Tensor;
import java.util.List;

/** Adam with decoupled weight decay, exactly as PyTorch: {@code θ ← θ(1 − γλ)} before the Adam step (default λ = 0.01). */
public final class AdamW extends Adam {
    /**
     * AdamW over one group of parameters, as {@code torch.optim.AdamW(params, ...)}.
     *
     * @param params the parameters (leaf tensors)
     * @param options the hyper-parameters (an unset weight decay means 0.01)
     * @throws dev.kiln.KilnException if {@code params} is empty or holds a non-leaf tensor or a tensor twice
     */
    public AdamW(List<Tensor> params, Options options) {
        super(single(params, options), true);
    }

    /**
     * AdamW over parameter groups with their own hyper-parameters.
     *
     * @param groups the parameter groups (an unset weight decay means 0.01)
     * @throws dev.kiln.KilnException if every group is empty, or a parameter is not a leaf or is in two groups
     */
    public AdamW(List<ParamGroup<Options>> groups) {
        super(groups, true);
    }

    /**
     * AdamW's defaults: Adam's, with weight decay 0.01.
     *
     * @param lr the learning rate (at least 0)
     * @return the options
     */
    public static Options defaults(double lr) {
        return Options.lr(lr).withWeightDecay(0.01);
    }
}
