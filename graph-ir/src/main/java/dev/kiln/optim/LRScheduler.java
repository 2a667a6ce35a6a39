package dev.kiln.optim;

import dev.kiln.KilnException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A learning-rate schedule, as {@code torch.optim.lr_scheduler}: constructing one sets each group's
 * learning rate for step 0, and each {@link #step()} moves to the next. The rate is a value a compiled
 * step reads (a scalar input), so a schedule never recompiles it.
 *
 * <p>As in PyTorch 1.13, a schedule starts from each group's {@code initial_lr}, not from its current
 * rate: built with {@code lastEpoch = -1} (a new schedule) it sets a group's initial rate to its current
 * rate only where none is set, and built with {@code lastEpoch = k} (resuming after step k) it requires
 * one. The optimizer's state dict and checkpoints carry {@code initial_lr}, so a scheduler built after
 * loading them decays from the run's first rate. {@link #stateDict()} holds the schedule's position and
 * fields under PyTorch's names.
 */
public abstract class LRScheduler {
    /**
     * What {@link #stateDict()} returns: the scheduler's class name and its state under PyTorch's names —
     * the kind's own fields, then {@code base_lrs}, {@code last_epoch}, {@code _step_count}, {@code _last_lr}.
     *
     * @param kind the scheduler's binary class name (such as {@code dev.kiln.optim.LRScheduler$StepLR})
     * @param state the entries by PyTorch name: {@code Integer}, {@code Double} or lists of them
     */
    public record StateDict(String kind, Map<String, Object> state) {
        /**
         * Copies {@code state} (unless null) into an unmodifiable map that keeps its order.
         */
        public StateDict {
            state = state == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(state));
        }
    }

    private final Optimizer<?> optimizer;
    private List<Double> baseLrs;
    private int lastEpoch;
    private int stepCount;
    private List<Double> lastLr;

    /**
     * A new schedule ({@code lastEpoch = -1}): a group without an {@code initial_lr} gets its current rate.
     *
     * @param optimizer the optimizer whose groups' learning rates this schedule sets
     * @throws KilnException if the optimizer is null
     */
    protected LRScheduler(Optimizer<?> optimizer) {
        this(optimizer, -1);
    }

    /**
     * A new schedule with {@code lastEpoch = -1}, or one resuming after step {@code lastEpoch} (which needs
     * each group's initial rate). Subclasses call {@link #start()} once their fields are set.
     *
     * @param optimizer the optimizer whose groups' learning rates this schedule sets
     * @param lastEpoch the last step taken when resuming (each group then needs an {@code initial_lr}), or -1 for a new schedule
     * @throws KilnException if the optimizer is null, {@code lastEpoch < -1}, or a resumed group has no {@code initial_lr}
     */
    protected LRScheduler(Optimizer<?> optimizer, int lastEpoch) {
        String me = getClass().getSimpleName();
        if (optimizer == null) {
            throw new KilnException(me + ": the optimizer must not be null");
        }
        if (lastEpoch < -1) {
            throw new KilnException(me + ": lastEpoch is -1 (a new schedule) or the last step taken, got " + lastEpoch);
        }
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        if (lastEpoch != -1) {
            for (int i = 0; i < groups.size(); i++) {
                if (groups.get(i).initialLr().isEmpty()) {
                    throw new KilnException("param 'initial_lr' is not specified in param_groups[" + i + "] when resuming an optimizer ("
                            + me + " built with lastEpoch " + lastEpoch + ": load the optimizer's state first, or set the group's initialLr)");
                }
            }
        } else {
            for (Optimizer.ParamGroup<?> g : groups) {
                if (g.initialLr().isEmpty()) {
                    g.setInitialLr(((Optimizer.Options<?>) g.options()).lr());
                }
            }
        }
        this.optimizer = optimizer;
        this.baseLrs = groups.stream().map(g -> g.initialLr().getAsDouble()).toList();
        this.lastEpoch = lastEpoch;
        this.lastLr = currentLrs();
    }

    /** Takes the first step (to {@code lastEpoch + 1}, step 0 for a new schedule), as PyTorch's constructor does; subclasses call it once their fields are set. */
    protected final void start() {
        stepCount = 0;
        step();
    }

    /**
     * The rate of a group whose initial rate is {@code base}, at step {@code epoch} (PyTorch's closed form).
     *
     * @param base the group's initial rate ({@code base_lrs[i]})
     * @param epoch the step, 0 for the first
     * @return the group's learning rate at that step
     */
    protected abstract double lr(double base, int epoch);

    /** Moves the schedule one step (after the optimizer's step, as in PyTorch); a step the schedule refuses changes nothing. */
    public final void step() {
        int epoch = lastEpoch + 1;
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        List<Runnable> writes = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            writes.add(withLr(groups.get(i), lr(baseLrs.get(i), epoch)));
        }
        writes.forEach(Runnable::run);
        adjust(epoch);
        lastEpoch = epoch;
        stepCount++;
        lastLr = currentLrs();
    }

    /**
     * The last step taken, as {@code last_epoch}.
     *
     * @return the step: 0 after constructing a new schedule, {@code lastEpoch + 1} after resuming
     */
    public final int lastEpoch() {
        return lastEpoch;
    }

    /**
     * The rate each group starts from, as {@code base_lrs}.
     *
     * @return the groups' {@code initial_lr}, in group order
     */
    public final List<Double> baseLrs() {
        return baseLrs;
    }

    /**
     * Each group's rate as this schedule last set it, as {@code get_last_lr()}.
     *
     * @return the rates, in group order
     */
    public final List<Double> lastLr() {
        return lastLr;
    }

    /**
     * The optimizer this schedule drives.
     *
     * @return the optimizer
     */
    protected final Optimizer<?> optimizer() {
        return optimizer;
    }

    /**
     * Moves other hyper-parameters with the rate (OneCycleLR's momentum); nothing by default. Called
     * after the rates of step {@code epoch} are set.
     *
     * @param epoch the step being taken
     */
    protected void adjust(int epoch) {
    }

    private List<Double> currentLrs() {
        return optimizer.paramGroups().stream().map(g -> ((Optimizer.Options<?>) g.options()).lr()).toList();
    }

    /** What sets a group's rate, its options made (and checked) already. */
    @SuppressWarnings("unchecked")
    private static <O extends Optimizer.Options<O>> Runnable withLr(Optimizer.ParamGroup<?> group, double lr) {
        Optimizer.ParamGroup<O> g = (Optimizer.ParamGroup<O>) group;
        O options = g.options().withLr(lr);
        return () -> g.setOptions(options);
    }

    // ------------------------------------------------------------------ state dicts

    /**
     * This kind's own fields under PyTorch's names, for {@link #stateDict()}; none by default.
     *
     * @return the fields in order, as {@code Integer}, {@code Double} or lists of them
     */
    protected Map<String, Object> fields() {
        return Map.of();
    }

    /**
     * Checks this kind's fields in a loaded state (read them with {@link #integer} and {@link #real}) and
     * returns what writes them; it must throw, changing nothing, if they do not fit.
     *
     * @param state the loaded state (all entries, the kind's own among them)
     * @return what writes the fields (by default nothing)
     */
    protected Runnable restore(Map<String, Object> state) {
        return () -> { };
    }

    /**
     * The schedule's state, as {@code state_dict()}: the kind's fields, {@code base_lrs}, {@code last_epoch},
     * {@code _step_count} and {@code _last_lr} (PyTorch's {@code verbose} and {@code _get_lr_called_within_step}
     * have no counterpart here).
     *
     * @return the state dict
     */
    public final StateDict stateDict() {
        Map<String, Object> s = new LinkedHashMap<>(fields());
        s.put("base_lrs", baseLrs);
        s.put("last_epoch", lastEpoch);
        s.put("_step_count", stepCount);
        s.put("_last_lr", lastLr);
        return new StateDict(getClass().getName(), s);
    }

    /**
     * Restores a state from {@link #stateDict()} of the same kind of scheduler, as {@code load_state_dict}:
     * the schedule's position and fields, not the optimizer's rates (load the optimizer's state too, as
     * {@code dev.kiln.io.Checkpoint} does). Everything is checked first: a refused dict changes nothing.
     *
     * @param dict a state dict of the same scheduler class
     * @throws KilnException if the dict is null, of another kind, has other keys, or an entry of the wrong
     *     type or range
     */
    public final void loadStateDict(StateDict dict) {
        String me = getClass().getSimpleName();
        if (dict == null || dict.kind() == null || dict.state() == null) {
            throw new KilnException(me + ".loadStateDict: the state dict " + (dict == null ? "is null" : "has no kind or no state"));
        }
        if (!dict.kind().equals(getClass().getName())) {
            throw new KilnException(me + ".loadStateDict: the dict is the state of a " + dict.kind().substring(dict.kind().lastIndexOf('$') + 1)
                    + " (" + dict.kind() + "), not of a " + me + " (a state dict of another kind of scheduler)");
        }
        StateEntries in = new StateEntries(me, dict.state());
        in.requireKeys(stateDict().state().keySet());
        int groups = optimizer.paramGroups().size();
        List<Double> base = in.rates("base_lrs", groups);
        List<Double> last = in.rates("_last_lr", groups);
        int epoch = in.integer("last_epoch");
        int count = in.integer("_step_count");
        if (epoch < 0 || count < 0) {
            throw new KilnException(me + ".loadStateDict: last_epoch and _step_count are >= 0 in a started schedule, got "
                    + epoch + " and " + count);
        }
        Runnable own = restore(dict.state());
        own.run();
        baseLrs = base;
        lastEpoch = epoch;
        stepCount = count;
        lastLr = last;
    }

    /**
     * Entry {@code key} of a loaded state as an int (any integral number that fits), for {@link #restore}.
     *
     * @param state the loaded state
     * @param key the entry's name
     * @return the entry's value
     * @throws KilnException if the entry is missing or not an integral number that fits an int
     */
    protected final int integer(Map<String, Object> state, String key) {
        return new StateEntries(getClass().getSimpleName(), state).integer(key);
    }

    /**
     * Entry {@code key} of a loaded state as a double (any number), for {@link #restore}.
     *
     * @param state the loaded state
     * @param key the entry's name
     * @return the entry's value
     * @throws KilnException if the entry is missing or not a number
     */
    protected final double real(Map<String, Object> state, String key) {
        return new StateEntries(getClass().getSimpleName(), state).real(key);
    }

    /**
     * Entry {@code key} of a loaded state as a list of ints, for {@link #restore}.
     *
     * @param state the loaded state
     * @param key the entry's name
     * @return the entry's values (unmodifiable)
     * @throws KilnException if the entry is missing, not a list, or holds something other than ints
     */
    protected final List<Integer> integers(Map<String, Object> state, String key) {
        return new StateEntries(getClass().getSimpleName(), state).integers(key);
    }

    // ------------------------------------------------------------------ the schedules

    /** γ^⌊step / stepSize⌋ times the initial rate, as {@code StepLR}. */
    public static final class StepLR extends LRScheduler {
        private int stepSize;
        private double gamma;

        /**
         * A new schedule, as {@code StepLR(optimizer, step_size, gamma)}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param stepSize the number of steps between decays (at least 1)
         * @param gamma the factor applied at each decay
         * @throws KilnException if {@code stepSize < 1} or the optimizer is null
         */
        public StepLR(Optimizer<?> optimizer, int stepSize, double gamma) {
            this(optimizer, stepSize, gamma, -1);
        }

        /**
         * Resuming after step {@code lastEpoch} (-1: a new schedule).
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param stepSize the number of steps between decays (at least 1)
         * @param gamma the factor applied at each decay
         * @param lastEpoch the last step taken when resuming (each group then needs an {@code initial_lr}), or -1 for a new schedule
         * @throws KilnException if {@code stepSize < 1}, or as {@link LRScheduler#LRScheduler(Optimizer, int)}
         */
        public StepLR(Optimizer<?> optimizer, int stepSize, double gamma, int lastEpoch) {
            check(stepSize); // before super: a refused schedule leaves the optimizer's groups as they were
            super(optimizer, lastEpoch);
            this.stepSize = stepSize;
            this.gamma = gamma;
            start();
        }

        private static void check(int stepSize) {
            if (stepSize < 1) {
                throw new KilnException("StepLR: stepSize must be positive, got " + stepSize);
            }
        }

        @Override
        protected double lr(double base, int epoch) {
            return base * Math.pow(gamma, epoch / stepSize);
        }

        @Override
        protected Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("step_size", stepSize);
            f.put("gamma", gamma);
            return f;
        }

        @Override
        protected Runnable restore(Map<String, Object> state) {
            int s = integer(state, "step_size");
            double g = real(state, "gamma");
            check(s);
            return () -> {
                stepSize = s;
                gamma = g;
            };
        }
    }

    /** γ to the number of milestones passed, as {@code MultiStepLR} (a milestone given twice counts twice). */
    public static final class MultiStepLR extends LRScheduler {
        private int[] milestones;
        private double gamma;

        /**
         * A new schedule, as {@code MultiStepLR(optimizer, milestones, gamma)}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param milestones the steps at which the rate decays, in any order (copied)
         * @param gamma the factor applied at each milestone
         * @throws KilnException if {@code milestones} or the optimizer is null
         */
        public MultiStepLR(Optimizer<?> optimizer, int[] milestones, double gamma) {
            this(optimizer, milestones, gamma, -1);
        }

        /**
         * Resuming after step {@code lastEpoch} (-1: a new schedule).
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param milestones the steps at which the rate decays, in any order (copied)
         * @param gamma the factor applied at each milestone
         * @param lastEpoch the last step taken when resuming (each group then needs an {@code initial_lr}), or -1 for a new schedule
         * @throws KilnException if {@code milestones} is null, or as {@link LRScheduler#LRScheduler(Optimizer, int)}
         */
        public MultiStepLR(Optimizer<?> optimizer, int[] milestones, double gamma, int lastEpoch) {
            if (milestones == null) {
                throw new KilnException("MultiStepLR: milestones must not be null");
            }
            super(optimizer, lastEpoch);
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

        /** {@code milestones} as a sorted list, each as often as given (PyTorch keeps a {@code Counter}). */
        @Override
        protected Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("milestones", java.util.Arrays.stream(milestones).boxed().toList());
            f.put("gamma", gamma);
            return f;
        }

        @Override
        protected Runnable restore(Map<String, Object> state) {
            int[] m = integers(state, "milestones").stream().mapToInt(Integer::intValue).sorted().toArray();
            double g = real(state, "gamma");
            return () -> {
                milestones = m;
                gamma = g;
            };
        }
    }

    /** γ^step times the initial rate, as {@code ExponentialLR}. */
    public static final class ExponentialLR extends LRScheduler {
        private double gamma;

        /**
         * A new schedule, as {@code ExponentialLR(optimizer, gamma)}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param gamma the factor applied at every step
         * @throws KilnException if the optimizer is null
         */
        public ExponentialLR(Optimizer<?> optimizer, double gamma) {
            this(optimizer, gamma, -1);
        }

        /**
         * Resuming after step {@code lastEpoch} (-1: a new schedule).
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param gamma the factor applied at every step
         * @param lastEpoch the last step taken when resuming (each group then needs an {@code initial_lr}), or -1 for a new schedule
         * @throws KilnException if the optimizer is null, {@code lastEpoch < -1}, or a resumed group has no {@code initial_lr}
         */
        public ExponentialLR(Optimizer<?> optimizer, double gamma, int lastEpoch) {
            super(optimizer, lastEpoch);
            this.gamma = gamma;
            start();
        }

        @Override
        protected double lr(double base, int epoch) {
            return base * Math.pow(gamma, epoch);
        }

        @Override
        protected Map<String, Object> fields() {
            return Map.of("gamma", gamma);
        }

        @Override
        protected Runnable restore(Map<String, Object> state) {
            double g = real(state, "gamma");
            return () -> gamma = g;
        }
    }

    /** η_min + (base − η_min)(1 + cos(π·step/T_max))/2, as {@code CosineAnnealingLR}'s closed form. */
    public static final class CosineAnnealingLR extends LRScheduler {
        private int tMax;
        private double etaMin;

        /**
         * A new schedule, as {@code CosineAnnealingLR(optimizer, T_max, eta_min)}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param tMax the half-period in steps, {@code T_max} (at least 1)
         * @param etaMin the minimum rate, {@code eta_min}
         * @throws KilnException if {@code tMax < 1} or the optimizer is null
         */
        public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin) {
            this(optimizer, tMax, etaMin, -1);
        }

        /**
         * Resuming after step {@code lastEpoch} (-1: a new schedule).
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param tMax the half-period in steps, {@code T_max} (at least 1)
         * @param etaMin the minimum rate, {@code eta_min}
         * @param lastEpoch the last step taken when resuming (each group then needs an {@code initial_lr}), or -1 for a new schedule
         * @throws KilnException if {@code tMax < 1}, or as {@link LRScheduler#LRScheduler(Optimizer, int)}
         */
        public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin, int lastEpoch) {
            check(tMax);
            super(optimizer, lastEpoch);
            this.tMax = tMax;
            this.etaMin = etaMin;
            start();
        }

        private static void check(int tMax) {
            if (tMax < 1) {
                throw new KilnException("CosineAnnealingLR: tMax must be positive, got " + tMax);
            }
        }

        @Override
        protected double lr(double base, int epoch) {
            return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
        }

        @Override
        protected Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("T_max", tMax);
            f.put("eta_min", etaMin);
            return f;
        }

        @Override
        protected Runnable restore(Map<String, Object> state) {
            int t = integer(state, "T_max");
            double e = real(state, "eta_min");
            check(t);
            return () -> {
                tMax = t;
                etaMin = e;
            };
        }
    }

    /** A factor moving linearly from {@code startFactor} to {@code endFactor} over {@code totalIters} steps, as {@code LinearLR}. */
    public static final class LinearLR extends LRScheduler {
        private double startFactor;
        private double endFactor;
        private int totalIters;

        /**
         * A new schedule, as {@code LinearLR(optimizer, start_factor, end_factor, total_iters)}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param startFactor the factor at step 0, in (0, 1]
         * @param endFactor the factor from step {@code totalIters} on, in [0, 1]
         * @param totalIters the number of steps the factor moves over (at least 1)
         * @throws KilnException if an argument is out of range or the optimizer is null
         */
        public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
            this(optimizer, startFactor, endFactor, totalIters, -1);
        }

        /**
         * Resuming after step {@code lastEpoch} (-1: a new schedule).
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param startFactor the factor at step 0, in (0, 1]
         * @param endFactor the factor from step {@code totalIters} on, in [0, 1]
         * @param totalIters the number of steps the factor moves over (at least 1)
         * @param lastEpoch the last step taken when resuming (each group then needs an {@code initial_lr}), or -1 for a new schedule
         * @throws KilnException if an argument is out of range, or as {@link LRScheduler#LRScheduler(Optimizer, int)}
         */
        public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters, int lastEpoch) {
            check(startFactor, endFactor, totalIters);
            super(optimizer, lastEpoch);
            this.startFactor = startFactor;
            this.endFactor = endFactor;
            this.totalIters = totalIters;
            start();
        }

        private static void check(double startFactor, double endFactor, int totalIters) {
            if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1) || totalIters < 1) {
                throw new KilnException("LinearLR: startFactor in (0, 1], endFactor in [0, 1] and totalIters >= 1, got "
                        + startFactor + ", " + endFactor + ", " + totalIters);
            }
        }

        @Override
        protected double lr(double base, int epoch) {
            return base * (startFactor + (endFactor - startFactor) * Math.min(epoch, totalIters) / totalIters);
        }

        @Override
        protected Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("start_factor", startFactor);
            f.put("end_factor", endFactor);
            f.put("total_iters", totalIters);
            return f;
        }

        @Override
        protected Runnable restore(Map<String, Object> state) {
            double s = real(state, "start_factor");
            double e = real(state, "end_factor");
            int t = integer(state, "total_iters");
            check(s, e, t);
            return () -> {
                startFactor = s;
                endFactor = e;
                totalIters = t;
            };
        }
    }

    /**
     * The one-cycle policy, as {@code OneCycleLR} (cosine annealing, two phases): from maxLr/divFactor
     * up to maxLr over {@code pctStart} of the steps, then down to initial/finalDivFactor; momentum (SGD's
     * momentum, Adam's β₁) cycles the other way between 0.95 and 0.85 when the optimizer has one. A new
     * schedule sets each group's initial rate to maxLr/divFactor, as PyTorch does.
     */
    public static final class OneCycleLR extends LRScheduler {
        private double maxLr;
        private int totalSteps;
        private double pctStart;
        private double divFactor;
        private double finalDivFactor;
        private static final double BASE_MOMENTUM = 0.85;
        private static final double MAX_MOMENTUM = 0.95;

        /**
         * A new schedule with PyTorch's defaults ({@code pctStart} 0.3, {@code divFactor} 25,
         * {@code finalDivFactor} 1e4), as {@code OneCycleLR(optimizer, max_lr, total_steps)}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param maxLr the peak learning rate (at least 0)
         * @param totalSteps the number of steps in the cycle (at least 2)
         * @throws KilnException if an argument is out of range or the optimizer is null
         */
        public OneCycleLR(Optimizer<?> optimizer, double maxLr, int totalSteps) {
            this(optimizer, maxLr, totalSteps, 0.3, 25, 1e4);
        }

        /**
         * A new schedule, as {@code OneCycleLR(optimizer, max_lr, total_steps, pct_start, div_factor, final_div_factor)}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param maxLr the peak learning rate (at least 0)
         * @param totalSteps the number of steps in the cycle (at least 2)
         * @param pctStart the fraction of the steps spent rising, in (0, 1)
         * @param divFactor the initial rate is {@code maxLr / divFactor} (greater than 0)
         * @param finalDivFactor the final rate is the initial rate divided by this (greater than 0)
         * @throws KilnException if an argument is out of range or the optimizer is null
         */
        public OneCycleLR(Optimizer<?> optimizer, double maxLr, int totalSteps, double pctStart, double divFactor, double finalDivFactor) {
            this(optimizer, maxLr, totalSteps, pctStart, divFactor, finalDivFactor, -1);
        }

        /**
         * Resuming after step {@code lastEpoch} (-1: a new schedule); a new schedule sets every group's
         * {@code initial_lr} to {@code maxLr / divFactor}.
         *
         * @param optimizer the optimizer whose groups' learning rates this schedule sets
         * @param maxLr the peak learning rate (at least 0)
         * @param totalSteps the number of steps in the cycle (at least 2)
         * @param pctStart the fraction of the steps spent rising, in (0, 1)
         * @param divFactor the initial rate is {@code maxLr / divFactor} (greater than 0)
         * @param finalDivFactor the final rate is the initial rate divided by this (greater than 0)
         * @param lastEpoch the last step taken when resuming (each group then needs an {@code initial_lr}), or -1 for a new schedule
         * @throws KilnException if an argument is out of range, or as {@link LRScheduler#LRScheduler(Optimizer, int)}
         */
        public OneCycleLR(Optimizer<?> optimizer, double maxLr, int totalSteps, double pctStart, double divFactor, double finalDivFactor,
                int lastEpoch) {
            check(maxLr, totalSteps, pctStart, divFactor, finalDivFactor);
            if (optimizer != null && lastEpoch == -1) {
                // PyTorch overwrites initial_lr here (it is the cycle's start, not the optimizer's rate)
                optimizer.paramGroups().forEach(g -> g.setInitialLr(maxLr / divFactor));
            }
            super(optimizer, lastEpoch);
            this.maxLr = maxLr;
            this.totalSteps = totalSteps;
            this.pctStart = pctStart;
            this.divFactor = divFactor;
            this.finalDivFactor = finalDivFactor;
            start();
        }

        private static void check(double maxLr, int totalSteps, double pctStart, double divFactor, double finalDivFactor) {
            if (totalSteps < 2 || !(pctStart > 0 && pctStart < 1)) {
                throw new KilnException("OneCycleLR: totalSteps >= 2 and pctStart in (0, 1), got " + totalSteps + ", " + pctStart);
            }
            if (!(maxLr >= 0 && divFactor > 0 && finalDivFactor > 0)) {
                throw new KilnException("OneCycleLR: maxLr >= 0, divFactor > 0 and finalDivFactor > 0, got " + maxLr + ", " + divFactor
                        + ", " + finalDivFactor);
            }
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

        /**
         * The constructor's arguments under PyTorch's names (PyTorch keeps max_lr and min_lr in the
         * parameter groups and the phase ends in {@code _schedule_phases}; here they follow from these).
         */
        @Override
        protected Map<String, Object> fields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("total_steps", totalSteps);
            f.put("max_lr", maxLr);
            f.put("pct_start", pctStart);
            f.put("div_factor", divFactor);
            f.put("final_div_factor", finalDivFactor);
            return f;
        }

        @Override
        protected Runnable restore(Map<String, Object> state) {
            int t = integer(state, "total_steps");
            double m = real(state, "max_lr");
            double p = real(state, "pct_start");
            double d = real(state, "div_factor");
            double f = real(state, "final_div_factor");
            check(m, t, p, d, f);
            return () -> {
                totalSteps = t;
                maxLr = m;
                pctStart = p;
                divFactor = d;
                finalDivFactor = f;
            };
        }
    }
}
