package dev.kiln.optim;

import dev.kiln.DType;
import dev.kiln.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
 * maximize, exactly as PyTorch: the first momentum buffer is the (decayed) gradient itself.
 */
public final class SGD extends Optimizer<SGD.Options> {
    /**
     * Hyper-parameters; Nesterov needs momentum &gt; 0 and no dampening (PyTorch's rule).
     *
     * @param lr the learning rate (at least 0)
     * @param momentum the momentum factor (at least 0; 0 for none)
     * @param dampening the dampening of the momentum
     * @param weightDecay the L2 weight decay (at least 0)
     * @param nesterov whether to use Nesterov momentum
     * @param maximize whether to maximize the objective rather than minimize it
     */
    public record Options(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
            boolean maximize) implements Optimizer.Options<Options> {
        /**
         * Checks the hyper-parameters' ranges and the Nesterov rule.
         *
         * @throws dev.kiln.KilnException if one is out of range, or Nesterov is asked without momentum or with dampening
         */
        public Options {
            require(lr >= 0, "SGD: invalid learning rate " + lr);
            require(momentum >= 0, "SGD: invalid momentum " + momentum);
            require(weightDecay >= 0, "SGD: invalid weight decay " + weightDecay);
            require(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires a momentum and zero dampening");
        }

        /**
         * PyTorch's defaults (no momentum, dampening or weight decay) with the given learning rate.
         *
         * @param lr the learning rate (at least 0)
         * @return the options
         */
        public static Options lr(double lr) {
            return new Options(lr, 0, 0, 0, false, false);
        }

        public Options withLr(double v) {
            return new Options(v, momentum, dampening, weightDecay, nesterov, maximize);
        }

        /**
         * A copy with another momentum.
         *
         * @param v the new momentum factor (at least 0)
         * @return the new options
         */
        public Options withMomentum(double v) {
            return new Options(lr, v, dampening, weightDecay, nesterov, maximize);
        }

        /**
         * A copy with another dampening.
         *
         * @param v the new dampening
         * @return the new options
         */
        public Options withDampening(double v) {
            return new Options(lr, momentum, v, weightDecay, nesterov, maximize);
        }

        /**
         * A copy with another weight decay.
         *
         * @param v the new weight decay (at least 0)
         * @return the new options
         */
        public Options withWeightDecay(double v) {
            return new Options(lr, momentum, dampening, v, nesterov, maximize);
        }

        /**
         * A copy with Nesterov momentum on or off.
         *
         * @param v whether to use Nesterov momentum
         * @return the new options
         */
        public Options withNesterov(boolean v) {
            return new Options(lr, momentum, dampening, weightDecay, v, maximize);
        }

        /**
         * A copy with {@code maximize} on or off.
         *
         * @param v whether to maximize the objective
         * @return the new options
         */
        public Options withMaximize(boolean v) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov, v);
        }
    }

    /**
     * SGD over one group of parameters, as {@code torch.optim.SGD(params, ...)}.
     *
     * @param params the parameters (leaf tensors)
     * @param options the hyper-parameters
     * @throws dev.kiln.KilnException if {@code params} is empty or holds a non-leaf tensor or a tensor twice
     */
    public SGD(List<Tensor> params, Options options) {
        super(single(params, options));
    }

    /**
     * {@code SGD(params, lr)}: plain SGD, PyTorch's defaults for everything but the rate.
     *
     * @param params the parameters (leaf tensors)
     * @param lr the learning rate (at least 0)
     */
    public SGD(List<Tensor> params, double lr) {
        this(params, Options.lr(lr));
    }

    /**
     * {@code SGD(params, lr, momentum)}, the seed's form.
     *
     * @param params the parameters (leaf tensors)
     * @param lr the learning rate (at least 0)
     * @param momentum the momentum factor (at least 0)
     */
    public SGD(List<Tensor> params, double lr, double momentum) {
        this(params, Options.lr(lr).withMomentum(momentum));
    }

    /**
     * SGD over parameter groups with their own hyper-parameters.
     *
     * @param groups the parameter groups
     * @throws dev.kiln.KilnException if every group is empty, or a parameter is not a leaf or is in two groups
     */
    public SGD(List<ParamGroup<Options>> groups) {
        super(groups);
    }

    @Override
    protected Map<String, Tensor> initialState(Tensor p, Options o) {
        if (o.momentum() == 0) {
            return Map.of();
        }
        // an ordered map: state order is part of a state dict and of a checkpoint (Map.of's order changes between JVM runs)
        Map<String, Tensor> s = new java.util.LinkedHashMap<>();
        s.put("momentum_buffer", Tensor.zeros(p.shape(), p.dtype()));
        s.put("step", Tensor.scalar(0, DType.FLOAT64));
        return s;
    }

    @Override
    protected Update update(Tensor p, Tensor grad, Map<String, Tensor> state, ParamGroup<Options> group) {
        Options o = group.options();
        Tensor d = o.maximize() ? grad.neg() : grad;
        if (o.weightDecay() != 0) {
            d = d.add(p.mul(group.hyper("weightDecay")));
        }
        if (o.momentum() != 0) {
            if (!state.containsKey("momentum_buffer")) {
                state.putAll(initialState(p, o));
            }
            Tensor step = state.get("step");
            Tensor momentum = group.hyper("momentum");
            Tensor running = state.get("momentum_buffer").mul(momentum).add(d.mul(group.hyper("dampening").rsub(1.0)));
            // The first buffer is the gradient itself (PyTorch's rule), chosen by data, not by structure.
            Tensor buf = Tensor.where(step.eq(0.0), d, running);
            state.put("momentum_buffer", buf);
            state.put("step", step.add(1.0));
            d = o.nesterov() ? d.add(buf.mul(momentum)) : buf;
        }
        return new Update(p.sub(d.mul(group.hyper("lr"))), state);
    }
}
