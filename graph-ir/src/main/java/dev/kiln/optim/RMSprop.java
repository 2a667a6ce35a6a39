package dev.kiln.optim;

import dev.kiln.Tensor;
import java.util.List;
import java.util.Map;

/** RMSprop exactly as PyTorch: eps is added after the square root; optional momentum and centering. */
public final class RMSprop extends Optimizer<RMSprop.Options> {
    /** Hyper-parameters (PyTorch's defaults: alpha 0.99, eps 1e-8). */
    public record Options(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered,
            boolean maximize) implements Optimizer.Options<Options> {
        public Options {
            require(lr >= 0, "RMSprop: invalid learning rate " + lr);
            require(alpha >= 0, "RMSprop: invalid alpha " + alpha);
            require(eps >= 0, "RMSprop: invalid epsilon " + eps);
            require(weightDecay >= 0, "RMSprop: invalid weight decay " + weightDecay);
            require(momentum >= 0, "RMSprop: invalid momentum " + momentum);
        }

        public static Options lr(double lr) {
            return new Options(lr, 0.99, 1e-8, 0, 0, false, false);
        }

        public Options withLr(double v) {
            return new Options(v, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        public Options withAlpha(double v) {
            return new Options(lr, v, eps, weightDecay, momentum, centered, maximize);
        }

        public Options withEps(double v) {
            return new Options(lr, alpha, v, weightDecay, momentum, centered, maximize);
        }

        public Options withWeightDecay(double v) {
            return new Options(lr, alpha, eps, v, momentum, centered, maximize);
        }

        public Options withMomentum(double v) {
            return new Options(lr, alpha, eps, weightDecay, v, centered, maximize);
        }

        public Options withCentered(boolean v) {
            return new Options(lr, alpha, eps, weightDecay, momentum, v, maximize);
        }

        public Options withMaximize(boolean v) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, v);
        }
    }

    public RMSprop(List<Tensor> params, Options options) {
        super(single(params, options));
    }

    /** {@code RMSprop(params, lr)}, the seed's form. */
    public RMSprop(List<Tensor> params, double lr) {
        this(params, Options.lr(lr));
    }

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
