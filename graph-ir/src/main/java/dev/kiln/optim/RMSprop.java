package dev.kiln.optim;

import dev.kiln.Tensor;
import java.util.List;
import java.util.Map;

/** RMSprop exactly as PyTorch: eps is added after the square root; optional momentum and centering. */
public final class RMSprop extends Optimizer<RMSprop.Options> {
    /**
     * Hyper-parameters (PyTorch's defaults: alpha 0.99, eps 1e-8).
     *
     * @param lr the learning rate (at least 0)
     * @param alpha the smoothing constant of the squared-gradient average (at least 0)
     * @param eps the term added to the denominator after the square root (at least 0)
     * @param weightDecay the L2 weight decay (at least 0)
     * @param momentum the momentum factor (at least 0; 0 for none)
     * @param centered whether to normalize by the estimated variance of the gradient
     * @param maximize whether to maximize the objective rather than minimize it
     */
    public record Options(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered,
            boolean maximize) implements Optimizer.Options<Options> {
        /**
         * Checks the hyper-parameters' ranges.
         *
         * @throws dev.kiln.KilnException if one is negative
         */
        public Options {
            require(lr >= 0, "RMSprop: invalid learning rate " + lr);
            require(alpha >= 0, "RMSprop: invalid alpha " + alpha);
            require(eps >= 0, "RMSprop: invalid epsilon " + eps);
            require(weightDecay >= 0, "RMSprop: invalid weight decay " + weightDecay);
            require(momentum >= 0, "RMSprop: invalid momentum " + momentum);
        }

        /**
         * PyTorch's defaults with the given learning rate.
         *
         * @param lr the learning rate (at least 0)
         * @return the options
         */
        public static Options lr(double lr) {
            return new Options(lr, 0.99, 1e-8, 0, 0, false, false);
        }

        public Options withLr(double v) {
            return new Options(v, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        /**
         * A copy with another {@code alpha}.
         *
         * @param v the new smoothing constant (at least 0)
         * @return the new options
         */
        public Options withAlpha(double v) {
            return new Options(lr, v, eps, weightDecay, momentum, centered, maximize);
        }

        /**
         * A copy with another {@code eps}.
         *
         * @param v the new eps (at least 0)
         * @return the new options
         */
        public Options withEps(double v) {
            return new Options(lr, alpha, v, weightDecay, momentum, centered, maximize);
        }

        /**
         * A copy with another weight decay.
         *
         * @param v the new weight decay (at least 0)
         * @return the new options
         */
        public Options withWeightDecay(double v) {
            return new Options(lr, alpha, eps, v, momentum, centered, maximize);
        }

        /**
         * A copy with another momentum.
         *
         * @param v the new momentum factor (at least 0)
         * @return the new options
         */
        public Options withMomentum(double v) {
            return new Options(lr, alpha, eps, weightDecay, v, centered, maximize);
        }

        /**
         * A copy with centering on or off.
         *
         * @param v whether to center
         * @return the new options
         */
        public Options withCentered(boolean v) {
            return new Options(lr, alpha, eps, weightDecay, momentum, v, maximize);
        }

        /**
         * A copy with {@code maximize} on or off.
         *
         * @param v whether to maximize the objective
         * @return the new options
         */
        public Options withMaximize(boolean v) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, v);
        }
    }

    /**
     * RMSprop over one group of parameters, as {@code torch.optim.RMSprop(params, ...)}.
     *
     * @param params the parameters (leaf tensors)
     * @param options the hyper-parameters
     * @throws dev.kiln.KilnException if {@code params} is empty or holds a non-leaf tensor or a tensor twice
     */
    public RMSprop(List<Tensor> params, Options options) {
        super(single(params, options));
    }

    /**
     * {@code RMSprop(params, lr)}, the seed's form, with PyTorch's other defaults.
     *
     * @param params the parameters (leaf tensors)
     * @param lr the learning rate (at least 0)
     */
    public RMSprop(List<Tensor> params, double lr) {
        this(params, Options.lr(lr));
    }

    /**
     * RMSprop over parameter groups with their own hyper-parameters.
     *
     * @param groups the parameter groups
     * @throws dev.kiln.KilnException if every group is empty, or a parameter is not a leaf or is in two groups
     */
    public RMSprop(List<ParamGroup<Options>> groups) {
        super(groups);
    }

    @Override
    protected Map<String, Tensor> initialState(Tensor p, Options o) {
        Map<String, Tensor> s = new java.util.LinkedHashMap<>();
        s.put("square_avg", Tensor.zeros(p.shape(), p.dtype()));
        if (o.centered()) {
            s.put("grad_avg", Tensor.zeros(p.shape(), p.dtype()));
        }
        if (o.momentum() > 0) {
            s.put("momentum_buffer", Tensor.zeros(p.shape(), p.dtype()));
        }
        return s;
    }

    @Override
    protected Update update(Tensor p, Tensor grad, Map<String, Tensor> state, ParamGroup<Options> group) {
        Options o = group.options();
        if (!state.containsKey("square_avg") || o.centered() && !state.containsKey("grad_avg")
                || o.momentum() > 0 && !state.containsKey("momentum_buffer")) {
            initialState(p, o).forEach(state::putIfAbsent); // options changed after construction
        }
        Tensor alpha = group.hyper("alpha");
        Tensor d = o.maximize() ? grad.neg() : grad;
        if (o.weightDecay() != 0) {
            d = d.add(p.mul(group.hyper("weightDecay")));
        }
        Tensor squareAvg = state.get("square_avg").mul(alpha).add(d.mul(d).mul(alpha.rsub(1.0)));
        state.put("square_avg", squareAvg);
        Tensor avg;
        if (o.centered()) {
            Tensor gradAvg = state.get("grad_avg").mul(alpha).add(d.mul(alpha.rsub(1.0)));
            state.put("grad_avg", gradAvg);
            avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt().add(group.hyper("eps"));
        } else {
            avg = squareAvg.sqrt().add(group.hyper("eps"));
        }
        if (o.momentum() > 0) {
            Tensor buf = state.get("momentum_buffer").mul(group.hyper("momentum")).add(d.div(avg));
            state.put("momentum_buffer", buf);
            return new Update(p.sub(buf.mul(group.hyper("lr"))), state);
        }
        return new Update(p.sub(d.div(avg).mul(group.hyper("lr"))), state);
    }
}
