package dev.kiln.optim;

import dev.kiln.DType;
import dev.kiln.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam exactly as PyTorch, with bias correction, optional AMSGrad (the running maximum of the raw
 * second moment) and L2 weight decay; with {@code decoupled} it is AdamW.
 */
public class Adam extends Optimizer<Adam.Options> {
    /**
     * Hyper-parameters (PyTorch's defaults: betas 0.9, 0.999; eps 1e-8). {@link #lr(double)} leaves
     * the weight decay to the optimizer's own default — 0 for Adam, 0.01 for AdamW, as in PyTorch —
     * until {@link #withWeightDecay} sets it (NaN stands for "the default" until then).
     *
     * @param lr the learning rate (at least 0)
     * @param beta1 the decay rate of the first-moment average, in [0, 1)
     * @param beta2 the decay rate of the second-moment average, in [0, 1)
     * @param eps the term added to the denominator (at least 0)
     * @param weightDecay the weight decay (at least 0), or NaN for the optimizer's default
     * @param amsgrad whether to use AMSGrad (the running maximum of the second moment)
     * @param maximize whether to maximize the objective rather than minimize it
     */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
            boolean maximize) implements Optimizer.Options<Options> {
        /**
         * Checks the hyper-parameters' ranges.
         *
         * @throws dev.kiln.KilnException if one is out of range
         */
        public Options {
            require(lr >= 0, "Adam: invalid learning rate " + lr);
            require(eps >= 0, "Adam: invalid epsilon " + eps);
            require(beta1 >= 0 && beta1 < 1, "Adam: invalid beta1 " + beta1 + " (must be in [0, 1))");
            require(beta2 >= 0 && beta2 < 1, "Adam: invalid beta2 " + beta2 + " (must be in [0, 1))");
            require(weightDecay >= 0 || Double.isNaN(weightDecay), "Adam: invalid weight decay " + weightDecay);
        }

        /**
         * PyTorch's defaults with the given learning rate; the weight decay is left to the optimizer.
         *
         * @param lr the learning rate (at least 0)
         * @return the options
         */
        public static Options lr(double lr) {
            return new Options(lr, 0.9, 0.999, 1e-8, Double.NaN, false, false);
        }

        public Options withLr(double v) {
            return new Options(v, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /**
         * A copy with other {@code betas}.
         *
         * @param b1 the new {@code beta1}, in [0, 1)
         * @param b2 the new {@code beta2}, in [0, 1)
         * @return the new options
         */
        public Options withBetas(double b1, double b2) {
            return new Options(lr, b1, b2, eps, weightDecay, amsgrad, maximize);
        }

        /**
         * A copy with another {@code eps}.
         *
         * @param v the new eps (at least 0)
         * @return the new options
         */
        public Options withEps(double v) {
            return new Options(lr, beta1, beta2, v, weightDecay, amsgrad, maximize);
        }

        /**
         * A copy with another weight decay.
         *
         * @param v the new weight decay (at least 0)
         * @return the new options
         */
        public Options withWeightDecay(double v) {
            return new Options(lr, beta1, beta2, eps, v, amsgrad, maximize);
        }

        /**
         * A copy with AMSGrad on or off.
         *
         * @param v whether to use AMSGrad
         * @return the new options
         */
        public Options withAmsgrad(boolean v) {
            return new Options(lr, beta1, beta2, eps, weightDecay, v, maximize);
        }

        /**
         * A copy with {@code maximize} on or off.
         *
         * @param v whether to maximize the objective
         * @return the new options
         */
        public Options withMaximize(boolean v) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, v);
        }
    }

    private final boolean decoupled;

    /**
     * Adam over one group of parameters, as {@code torch.optim.Adam(params, ...)}.
     *
     * @param params the parameters (leaf tensors)
     * @param options the hyper-parameters (an unset weight decay means 0)
     * @throws dev.kiln.KilnException if {@code params} is empty or holds a non-leaf tensor or a tensor twice
     */
    public Adam(List<Tensor> params, Options options) {
        this(single(params, options), false);
    }

    /**
     * Adam over parameter groups with their own hyper-parameters.
     *
     * @param groups the parameter groups (an unset weight decay means 0)
     * @throws dev.kiln.KilnException if every group is empty, or a parameter is not a leaf or is in two groups
     */
    public Adam(List<ParamGroup<Options>> groups) {
        this(groups, false);
    }

    Adam(List<ParamGroup<Options>> groups, boolean decoupled) {
        super(withDefaults(groups, decoupled ? 0.01 : 0));
        this.decoupled = decoupled;
    }

    /** The groups with an unset (NaN) weight decay replaced by the optimizer's default. */
    private static List<ParamGroup<Options>> withDefaults(List<ParamGroup<Options>> groups, double weightDecay) {
        for (ParamGroup<Options> g : groups) {
            if (Double.isNaN(g.options().weightDecay())) {
                g.setOptions(g.options().withWeightDecay(weightDecay));
            }
        }
        return groups;
    }

    @Override
    protected final Map<String, Tensor> initialState(Tensor p, Options o) {
        Map<String, Tensor> s = new java.util.LinkedHashMap<>();
        // The step count is a tensor, so a traced step reads it rather than baking it in.
        s.put("step", Tensor.scalar(0, DType.FLOAT64));
        s.put("exp_avg", Tensor.zeros(p.shape(), p.dtype()));
        s.put("exp_avg_sq", Tensor.zeros(p.shape(), p.dtype()));
        if (o.amsgrad()) {
            s.put("max_exp_avg_sq", Tensor.zeros(p.shape(), p.dtype()));
        }
        return s;
    }

    @Override
    protected final Update update(Tensor p, Tensor grad, Map<String, Tensor> state, ParamGroup<Options> group) {
        Options o = group.options();
        if (Double.isNaN(o.weightDecay())) {
            throw new dev.kiln.KilnException(getClass().getSimpleName() + ": the options set on a parameter group after"
                    + " construction leave the weight decay unset; give it with withWeightDecay");
        }
        if (!state.containsKey("exp_avg") || o.amsgrad() && !state.containsKey("max_exp_avg_sq")) {
            initialState(p, o).forEach(state::putIfAbsent); // options changed after construction
        }
        Tensor lr = group.hyper("lr");
        Tensor beta1 = group.hyper("beta1");
        Tensor beta2 = group.hyper("beta2");
        Tensor d = o.maximize() ? grad.neg() : grad;
        if (decoupled) {
            p = p.mul(lr.mul(group.hyper("weightDecay")).rsub(1.0));
        } else if (o.weightDecay() != 0) {
            d = d.add(p.mul(group.hyper("weightDecay")));
        }
        Tensor step = state.get("step").add(1.0);
        state.put("step", step);
        Tensor m = state.get("exp_avg").mul(beta1).add(d.mul(beta1.rsub(1.0)));
        Tensor v = state.get("exp_avg_sq").mul(beta2).add(d.mul(d).mul(beta2.rsub(1.0)));
        state.put("exp_avg", m);
        state.put("exp_avg_sq", v);
        Tensor biasCorrection1 = beta1.pow(step).rsub(1.0);
        Tensor biasCorrection2Sqrt = beta2.pow(step).rsub(1.0).sqrt();
        Tensor stepSize = lr.div(biasCorrection1);
        Tensor second = v;
        if (o.amsgrad()) {
            Tensor vmax = state.get("max_exp_avg_sq").maximum(v);
            state.put("max_exp_avg_sq", vmax);
            second = vmax;
        }
        Tensor denom = second.sqrt().div(biasCorrection2Sqrt).add(group.hyper("eps"));
        return new Update(p.sub(m.div(denom).mul(stepSize)), state);
    }
}
