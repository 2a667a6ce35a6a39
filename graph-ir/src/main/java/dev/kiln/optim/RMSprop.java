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
    protected Update update(Tensor p, Tensor grad, Map<String, Tensor> state, Options o) {
        Tensor d = o.maximize() ? grad.neg() : grad;
        if (o.weightDecay() != 0) {
            d = d.add(p.mul(o.weightDecay()));
        }
        Tensor squareAvg = state.getOrDefault("square_avg", Tensor.zeros(p.shape(), p.dtype()));
        squareAvg = squareAvg.mul(o.alpha()).add(d.mul(d).mul(1 - o.alpha()));
        state.put("square_avg", squareAvg);
        Tensor avg;
        if (o.centered()) {
            Tensor gradAvg = state.getOrDefault("grad_avg", Tensor.zeros(p.shape(), p.dtype()));
            gradAvg = gradAvg.mul(o.alpha()).add(d.mul(1 - o.alpha()));
            state.put("grad_avg", gradAvg);
            avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt().add(o.eps());
        } else {
            avg = squareAvg.sqrt().add(o.eps());
        }
        if (o.momentum() > 0) {
            Tensor buf = state.getOrDefault("momentum_buffer", Tensor.zeros(p.shape(), p.dtype()));
            buf = buf.mul(o.momentum()).add(d.div(avg));
            state.put("momentum_buffer", buf);
            return new Update(p.sub(buf.mul(o.lr())), state);
        }
        return new Update(p.sub(d.div(avg).mul(o.lr())), state);
    }
}
