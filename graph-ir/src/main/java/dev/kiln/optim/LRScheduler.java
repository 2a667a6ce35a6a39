package dev.kiln.optim;

import dev.kiln.KilnException;
import java.util.ArrayList;
import java.util.List;

/**
 * A learning-rate schedule, as {@code torch.optim.lr_scheduler}: constructing one sets each group's
 * learning rate for step 0, and each {@link #step()} moves to the next. The rate is a value a compiled
 * step reads (a scalar input), so a schedule never recompiles it.
 */
public abstract class LRScheduler {
    private final Optimizer<?> optimizer;
    private final List<Double> baseLrs = new ArrayList<>();
    private int lastEpoch;

    protected LRScheduler(Optimizer<?> optimizer) {
        if (optimizer == null) {
            throw new KilnException(getClass().getSimpleName() + ": the optimizer must not be null");
        }
        this.optimizer = optimizer;
        for (Optimizer.ParamGroup<?> g : optimizer.paramGroups()) {
            baseLrs.add(((Optimizer.Options<?>) g.options()).lr());
        }
    }

    /** Applies step 0's rates; subclasses call it once their fields are set. */
    protected final void start() {
        apply();
    }

    /** The rate of a group whose initial rate is {@code base}, at step {@code epoch}. */
    protected abstract double lr(double base, int epoch);

    /** Moves the schedule one step (after the optimizer's step, as in PyTorch). */
    public final void step() {
        lastEpoch++;
        apply();
    }

    /** Steps taken. */
    public final int lastEpoch() {
        return lastEpoch;
    }

    /** Each group's current learning rate ({@code get_last_lr()}). */
    public final List<Double> lastLr() {
        List<Double> out = new ArrayList<>();
        for (Optimizer.ParamGroup<?> g : optimizer.paramGroups()) {
            out.add(((Optimizer.Options<?>) g.options()).lr());
        }
        return out;
    }

    protected final Optimizer<?> optimizer() {
        return optimizer;
    }

    private void apply() {
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        for (int i = 0; i < groups.size(); i++) {
            setLr(groups.get(i), lr(baseLrs.get(i), lastEpoch));
        }
        adjust(lastEpoch);
    }

    /** Other hyper-parameters a schedule moves with the rate (OneCycleLR's momentum); none by default. */
    protected void adjust(int epoch) {
    }

    @SuppressWarnings("unchecked")
    private static <O extends Optimizer.Options<O>> void setLr(Optimizer.ParamGroup<?> group, double lr) {
        Optimizer.ParamGroup<O> g = (Optimizer.ParamGroup<O>) group;
        g.setOptions(g.options().withLr(lr));
    }

    /** γ^⌊step / stepSize⌋ times the initial rate, as {@code StepLR}. */
    public static final class StepLR extends LRScheduler {
        private final int stepSize;
        private final double gamma;

        public StepLR(Optimizer<?> optimizer, int stepSize, double gamma) {
            super(optimizer);
            if (stepSize < 1) {
                throw new KilnException("StepLR: stepSize must be positive, got " + stepSize);
            }
            this.stepSize = stepSize;
            this.gamma = gamma;
            start();
        }

        @Override
        protected double lr(double base, int epoch) {
            return base * Math.pow(gamma, epoch / stepSize);
        }
    }

    /** γ to the number of milestones passed, as {@code MultiStepLR}. */
    public static final class MultiStepLR extends LRScheduler {
        private final int[] milestones;
        private final double gamma;

        public MultiStepLR(Optimizer<?> optimizer, int[] milestones, double gamma) {
            super(optimizer);
            this.milestones = milestones.clone();
            java.util.Arrays.sort(this.milestones);
            this.gamma = gamma;
            start();
        }

        @Override
        protected double lr(double base, int epoch) {
            int passed = 0;
            for (int m : milestones) {
                passed += m <= epoch ? 1 : 0;
            }
            return base * Math.pow(gamma, passed);
        }
    }

    /** γ^step times the initial rate, as {@code ExponentialLR}. */
    public static final class ExponentialLR extends LRScheduler {
        private final double gamma;

        public ExponentialLR(Optimizer<?> optimizer, double gamma) {
            super(optimizer);
            this.gamma = gamma;
            start();
        }

        @Override
        protected double lr(double base, int epoch) {
            return base * Math.pow(gamma, epoch);
        }
    }

    /** η_min + (base − η_min)(1 + cos(π·step/T_max))/2, as {@code CosineAnnealingLR}'s closed form. */
    public static final class CosineAnnealingLR extends LRScheduler {
        private final int tMax;
        private final double etaMin;

        public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin) {
            super(optimizer);
            if (tMax < 1) {
                throw new KilnException("CosineAnnealingLR: tMax must be positive, got " + tMax);
            }
            this.tMax = tMax;
            this.etaMin = etaMin;
            start();
        }

        @Override
        protected double lr(double base, int epoch) {
            return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
        }
    }

    /** A factor moving linearly from {@code startFactor} to {@code endFactor} over {@code totalIters} steps, as {@code LinearLR}. */
    public static final class LinearLR extends LRScheduler {
        private final double startFactor;
        private final double endFactor;
        private final int totalIters;

        public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
            super(optimizer);
            if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1) || totalIters < 1) {
                throw new KilnException("LinearLR: startFactor in (0, 1], endFactor in [0, 1] and totalIters >= 1, got "
                        + startFactor + ", " + endFactor + ", " + totalIters);
            }
            this.startFactor = startFactor;
            this.endFactor = endFactor;
            this.totalIters = totalIters;
            start();
        }

        @Override
        protected double lr(double base, int epoch) {
            return base * (startFactor + (endFactor - startFactor) * Math.min(epoch, totalIters) / totalIters);
        }
    }

    /**
     * The one-cycle policy, as {@code OneCycleLR} (cosine annealing, two phases): from maxLr/divFactor
     * up to maxLr over {@code pctStart} of the steps, then down to initial/finalDivFactor; momentum (SGD's
     * momentum, Adam's β₁) cycles the other way between 0.95 and 0.85 when the optimizer has one.
     */
    public static final class OneCycleLR extends LRScheduler {
        private final double maxLr;
        private final int totalSteps;
        private final double pctStart;
        private final double divFactor;
        private final double finalDivFactor;
        private static final double BASE_MOMENTUM = 0.85;
        private static final double MAX_MOMENTUM = 0.95;

        public OneCycleLR(Optimizer<?> optimizer, double maxLr, int totalSteps) {
            this(optimizer, maxLr, totalSteps, 0.3, 25, 1e4);
        }

        public OneCycleLR(Optimizer<?> optimizer, double maxLr, int totalSteps, double pctStart, double divFactor, double finalDivFactor) {
            super(optimizer);
            if (totalSteps < 2 || !(pctStart > 0 && pctStart < 1)) {
                throw new KilnException("OneCycleLR: totalSteps >= 2 and pctStart in (0, 1), got " + totalSteps + ", " + pctStart);
            }
            this.maxLr = maxLr;
            this.totalSteps = totalSteps;
            this.pctStart = pctStart;
            this.divFactor = divFactor;
            this.finalDivFactor = finalDivFactor;
            start();
        }

        /** From {@code from} to {@code to} over the first pctStart of the steps, then back towards {@code last}. */
        private double phase(double from, double to, double last, int epoch) {
            double up = pctStart * totalSteps - 1;
            double down = totalSteps - 1;
            if (epoch <= up) {
                return cos(from, to, epoch / up);
            }
            return cos(to, last, (epoch - up) / (down - up));
        }

        private static double cos(double start, double end, double pct) {
            return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
        }

        @Override
        protected double lr(double base, int epoch) {
            if (epoch > totalSteps) {
                throw new KilnException("OneCycleLR: stepped " + epoch + " times, past its " + totalSteps + " total steps");
            }
            double initial = maxLr / divFactor;
            return phase(initial, maxLr, initial / finalDivFactor, epoch);
        }

        @Override
        protected void adjust(int epoch) {
            double m = phase(MAX_MOMENTUM, BASE_MOMENTUM, MAX_MOMENTUM, epoch);
            for (Optimizer.ParamGroup<?> g : optimizer().paramGroups()) {
                momentum(g, m);
            }
        }

        @SuppressWarnings("unchecked")
        private static void momentum(Optimizer.ParamGroup<?> group, double m) {
            switch (group.options()) {
                case SGD.Options o when o.momentum() > 0 -> ((Optimizer.ParamGroup<SGD.Options>) group).setOptions(o.withMomentum(m));
                case Adam.Options o -> ((Optimizer.ParamGroup<Adam.Options>) group).setOptions(o.withBetas(m, o.beta2()));
                case RMSprop.Options o when o.momentum() > 0 -> ((Optimizer.ParamGroup<RMSprop.Options>) group).setOptions(o.withMomentum(m));
                default -> { }
            }
        }
    }
}
