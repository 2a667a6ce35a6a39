package dev.kiln.optim;

import dev.kiln.Tensor;
import java.util.List;

/** Adam with decoupled weight decay, exactly as PyTorch: {@code θ ← θ(1 − γλ)} before the Adam step (default λ = 0.01). */
public final class AdamW extends Adam {
    public AdamW(List<Tensor> params, Options options) {
        super(single(params, options), true);
    }

    public AdamW(List<ParamGroup<Options>> groups) {
        super(groups, true);
    }

    /** AdamW's defaults: Adam's, with weight decay 0.01. */
    public static Options defaults(double lr) {
        return Options.lr(lr).withWeightDecay(0.01);
    }
}
