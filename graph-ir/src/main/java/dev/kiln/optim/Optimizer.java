package dev.kiln.optim;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The base of optimizers, as {@code torch.optim.Optimizer}: parameter groups with their own
 * hyper-parameters, per-parameter state, {@code step()}, {@code zeroGrad()} and state dicts.
 * Updates are tensor ops (IR ops), so a compiled step can trace them. A step computes every new
 * value before it writes any: if it fails, parameters and state are as they were.
 *
 * @param <O> the optimizer's hyper-parameters
 *
 * <p>The training loop, as in PyTorch ({@code Net} is the example of {@link dev.kiln.nn.Module}):
 * {@snippet file="ApiSnippets.java" region="optimizer"}
 */
public abstract class Optimizer<O extends Optimizer.Options<O>> {
    /**
     * Hyper-parameters of one group; every optimizer has at least a learning rate.
     *
     * @param <O> the implementing options record itself
     */
    public interface Options<O> {
        /**
         * The learning rate.
         *
         * @return the learning rate ({@code lr}), at least 0
         */
        double lr();

        /**
         * A copy of these options with another learning rate.
         *
         * @param lr the new learning rate (at least 0)
         * @return the new options, all other hyper-parameters unchanged
         */
        O withLr(double lr);
    }

    /**
     * Parameters that share hyper-parameters. Each numeric hyper-parameter is also held as a 0-d
     * float64 tensor that promotes like a Java scalar ({@link Tensor#weakScalar}); updates read it,
     * so a compiled step takes it as an input: changing the learning rate changes a value, not the
     * compiled code.
     *
     * @param <O> the optimizer's options record
     */
    public static final class ParamGroup<O> {
        private final List<Tensor> params;
        private final Map<String, Tensor> hyper = new LinkedHashMap<>();
        private O options;
        private OptionalDouble initialLr = OptionalDouble.empty();
        /** What of the options can change an update's ops: flags, and the sign of each number. */
        private List<Object> structure;

        /**
         * A group of parameters, as one dict of {@code param_groups} in PyTorch.
         *
         * @param params the group's parameters (leaf tensors; copied)
         * @param options the group's hyper-parameters (an options record)
         */
        public ParamGroup(List<Tensor> params, O options) {
            this.params = List.copyOf(params);
            setOptions(options);
        }

        /**
         * The group's parameters.
         *
         * @return the parameters, in order (unmodifiable)
         */
        public List<Tensor> params() {
            return params;
        }

        /**
         * The group's current hyper-parameters.
         *
         * @return the options record
         */
        public O options() {
            return options;
        }

        /**
         * Changes this group's hyper-parameters (for example a learning-rate schedule); the numeric ones
         * are written into the existing hyper-parameter tensors in place.
         *
         * @param options the new options record
         */
        public void setOptions(O options) {
            this.options = options;
            List<Object> structure = new ArrayList<>();
            try (var noGrad = Kiln.noGrad()) {
                for (RecordComponent c : options.getClass().getRecordComponents()) {
                    Object value = c.getAccessor().invoke(options);
                    // the learning rate only scales an update, so a schedule that reaches 0 changes no op
                    structure.add(c.getName().equals("lr") ? "lr" : value instanceof Double d ? (Object) Math.signum(d) : value);
                    if (c.getType() == double.class) {
                        double v = (double) value;
                        Tensor t = hyper.get(c.getName());
                        if (t == null) {
                            hyper.put(c.getName(), Tensor.weakScalar(v));
                        } else {
                            t.fill_(v);
                        }
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("options must be a record of public components", e);
            }
            this.structure = List.copyOf(structure);
        }

        /**
         * The rate a learning-rate schedule starts from ({@code param_group['initial_lr']}): set by the
         * first {@link LRScheduler} built on this group, kept in state dicts and checkpoints; empty before.
         *
         * @return the initial learning rate, or empty if none was set
         */
        public OptionalDouble initialLr() {
            return initialLr;
        }

        /**
         * Sets {@link #initialLr()}, as assigning {@code param_group['initial_lr']} does.
         *
         * @param lr the initial learning rate
         * @throws KilnException if {@code lr} is negative or NaN
         */
        public void setInitialLr(double lr) {
            setInitialLr(OptionalDouble.of(lr));
        }

        void setInitialLr(OptionalDouble lr) {
            if (lr.isPresent() && !(lr.getAsDouble() >= 0)) {
                throw new KilnException("initial_lr must be a learning rate (>= 0), got " + lr.getAsDouble());
            }
            this.initialLr = lr;
        }

        /**
         * The 0-d float64 tensor holding a numeric hyper-parameter; {@link #setOptions} updates it in place.
         *
         * @param name the options record's component name, such as {@code "lr"} or {@code "weightDecay"}
         * @return the hyper-parameter's tensor
         * @throws KilnException if the options have no {@code double} component of that name
         */
        public Tensor hyper(String name) {
            Tensor t = hyper.get(name);
            if (t == null) {
                throw new KilnException("no numeric hyper-parameter '" + name + "' in " + options);
            }
            return t;
        }
    }

    /**
     * What {@link #stateDict()} returns: state by parameter index (across groups, in order), each group's
     * options, and each group's {@code initial_lr} (empty where no schedule set one).
     *
     * @param <O> the optimizer's options record
     * @param state each parameter's state by name, keyed by the parameter's index across all groups
     *     (parameters without state are absent)
     * @param groups each group's options, in group order
     * @param initialLrs each group's {@code initial_lr}, one entry per group
     */
    public record StateDict<O>(Map<Integer, Map<String, Tensor>> state, List<O> groups, List<OptionalDouble> initialLrs) {
        /**
         * Checks that there is one {@code initialLrs} entry per group.
         *
         * @throws KilnException if {@code groups} is non-null and {@code initialLrs} is null or of another size
         */
        public StateDict {
            if (groups != null && (initialLrs == null || initialLrs.size() != groups.size())) {
                throw new KilnException("StateDict: one initial_lr entry per parameter group: " + groups.size() + " groups, "
                        + (initialLrs == null ? "null" : initialLrs.size() + " entries"));
            }
        }

        /**
         * A dict whose groups have no {@code initial_lr} (as before any schedule).
         *
         * @param state each parameter's state by name, keyed by the parameter's index across all groups
         * @param groups each group's options, in group order
         */
        public StateDict(Map<Integer, Map<String, Tensor>> state, List<O> groups) {
            this(state, groups, groups == null ? null : Collections.nCopies(groups.size(), OptionalDouble.empty()));
        }
    }

    /**
     * The new value of one parameter and its state after a step.
     *
     * @param param the parameter's new value
     * @param state the parameter's new state by name (entries left out keep their old value)
     */
    public record Update(Tensor param, Map<String, Tensor> state) {
    }

    private final List<ParamGroup<O>> groups;
    private final Map<Tensor, Map<String, Tensor>> state = new IdentityHashMap<>();

    /**
     * An optimizer over the given groups; creates every parameter's initial state.
     *
     * @param groups the parameter groups
     * @throws KilnException if every group is empty, a parameter is not a leaf, or a parameter is in two groups
     */
    protected Optimizer(List<ParamGroup<O>> groups) {
        if (groups.stream().allMatch(g -> g.params().isEmpty())) {
            throw new KilnException(getClass().getSimpleName() + " got an empty parameter list");
        }
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params()) {
                // a leaf that requires no grad (a frozen parameter) is accepted, as in PyTorch: it never gets a gradient to step on
                if (!p.isLeaf()) {
                    throw new KilnException(getClass().getSimpleName() + " can only optimize leaf tensors; this one was computed"
                            + " from others (PyTorch: \"can't optimize a non-leaf Tensor\")");
                }
                if (!seen.add(p)) {
                    throw new KilnException("a parameter appears in more than one parameter group");
                }
            }
        }
        this.groups = List.copyOf(groups);
        dev.kiln.internal.Places.noteOptimizer(this);
        try (var noGrad = Kiln.noGrad()) {
            for (ParamGroup<O> g : groups) {
                for (Tensor p : g.params()) {
                    Map<String, Tensor> s = new LinkedHashMap<>(initialState(p, g.options()));
                    if (!s.isEmpty()) {
                        state.put(p, s);
                    }
                }
            }
        }
    }

    /**
     * The state of a parameter before its first step. Creating it up front (rather than at the
     * first step, as PyTorch does) lets every step, the first included, have one structure.
     *
     * @param param the parameter
     * @param options the options of the parameter's group
     * @return the state by name, in a fixed order (empty if the parameter needs none)
     */
    protected abstract Map<String, Tensor> initialState(Tensor param, O options);

    /**
     * One group of all {@code params}, for the constructors that take a parameter list.
     *
     * @param <O> the optimizer's options record
     * @param params the parameters
     * @param options their hyper-parameters
     * @return a list of one group
     */
    protected static <O> List<ParamGroup<O>> single(List<Tensor> params, O options) {
        return List.of(new ParamGroup<>(params, options));
    }

    /**
     * The parameter groups, as {@code optimizer.param_groups}.
     *
     * @return the groups, in order (unmodifiable)
     */
    public final List<ParamGroup<O>> paramGroups() {
        return groups;
    }

    /**
     * Sets the learning rate of every group.
     *
     * @param lr the new learning rate (at least 0)
     */
    public final void setLr(double lr) {
        groups.forEach(g -> g.setOptions(g.options().withLr(lr)));
    }

    /** Clears every parameter's gradient (PyTorch 2's default). */
    public final void zeroGrad() {
        zeroGrad(true);
    }

    /**
     * Clears the gradients, or with {@code setToNone = false} fills them with zeros.
     *
     * @param setToNone whether to clear gradients ({@code true}) rather than zero them in place
     */
    public final void zeroGrad(boolean setToNone) {
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params()) {
                if (setToNone) {
                    p.clearGrad();
                } else if (p.grad() != null) {
                    try (var noGrad = Kiln.noGrad()) {
                        p.grad().zero_();
                    }
                }
            }
        }
    }

    /**
     * One update of every parameter that has a gradient. State follows its parameter's dtype: after
     * {@code module.to(dtype)} the step first converts the floating state (all but {@code "step"}) in
     * place, as PyTorch's {@code load_state_dict} casts it.
     */
    public final void step() {
        followParameters();
        List<Tensor> params = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        List<ParamGroup<O>> groupOf = new ArrayList<>();
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params()) {
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                if (!grad.shape().equals(p.shape())) {
                    throw new KilnException("the gradient of a parameter of shape " + p.shape() + " has shape " + grad.shape());
                }
                params.add(p);
                grads.add(grad);
                groupOf.add(g);
            }
        }
        // Parameters, state and hyper-parameters are always concrete: only a gradient can be symbolic.
        if (!dev.kiln.internal.Tracing.tracing(grads)) {
            List<Update> updates = new ArrayList<>();
            try (var noGrad = Kiln.noGrad()) {
                for (int i = 0; i < params.size(); i++) {
                    updates.add(update(params.get(i), groupOf.get(i)));
                }
                // Everything is computed; only now is anything written.
                for (int i = 0; i < params.size(); i++) {
                    commit(params.get(i), updates.get(i));
                }
            }
            return;
        }
        tracedStep(params, groupOf);
    }

    /**
     * Converts state whose dtype or device is not its parameter's (the parameter was converted or
     * moved since). PyTorch 1.13 keeps such state as it was: SGD then mixes precisions and Adam and
     * RMSprop fail with an internal assertion or a mixed-device error; its {@code load_state_dict}
     * casts and moves, and so does Kiln, at once.
     */
    private void followParameters() {
        state.forEach((p, s) -> s.forEach((name, t) -> {
            if (followsParameter(name, t) && p.dtype().isFloating()
                    && (t.dtype() != p.dtype() || !t.device().equals(p.device()))) {
                Tracing.convert(t, p.dtype(), p.device());
            }
        }));
    }

    /**
     * A step while tracing. State must exist already (it becomes the compiled step's inputs and
     * outputs). A built-in optimizer's update is a function of what it reads and of its options
     * alone, so a dynamic compiled step replays it when it reads the same nodes.
     */
    private void tracedStep(List<Tensor> params, List<ParamGroup<O>> groupOf) {
        List<Tensor> reads = new ArrayList<>(4 * params.size() + 8);
        for (Tensor p : params) {
            reads.add(p);
            reads.add(p.grad());
            reads.addAll(state.getOrDefault(p, Map.of()).values());
        }
        for (ParamGroup<O> g : groups) {
            reads.addAll(g.hyper.values());
        }
        List<List<String>> names = new ArrayList<>(params.size());
        List<Object> options = new ArrayList<>(params.size());
        for (int i = 0; i < params.size(); i++) {
            names.add(List.copyOf(state.getOrDefault(params.get(i), Map.of()).keySet()));
            options.add(groupOf.get(i).structure);
        }
        java.util.function.Supplier<List<Tensor>> compute = () -> {
            List<Tensor> values = new ArrayList<>(reads.size());
            try (var noGrad = Kiln.noGrad()) {
                for (int i = 0; i < params.size(); i++) {
                    Update u = update(params.get(i), groupOf.get(i));
                    for (String k : u.state().keySet()) {
                        if (!names.get(i).contains(k)) {
                            throw new KilnException("optimizer state '" + k + "' would be created inside a compiled step;"
                                    + " state must exist before the step is traced");
                        }
                    }
                    values.add(u.param());
                    Map<String, Tensor> old = state.getOrDefault(params.get(i), Map.of());
                    for (String k : names.get(i)) {
                        values.add(u.state().getOrDefault(k, old.get(k)));
                    }
                }
            }
            return values;
        };
        // Built-in updates branch only on option flags and on whether a number is zero or positive.
        boolean builtIn = getClass().getPackageName().equals(Optimizer.class.getPackageName());
        List<Tensor> values = builtIn ? dev.kiln.internal.Tracing.memoize(List.of(getClass(), options, names), reads, compute) : compute.get();
        int j = 0;
        try (var noGrad = Kiln.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                dev.kiln.internal.Tracing.assign(params.get(i), values.get(j++));
                Map<String, Tensor> old = state.get(params.get(i));
                for (String k : names.get(i)) {
                    dev.kiln.internal.Tracing.assign(old.get(k), values.get(j++)); // the same buffers every step, written in place
                }
            }
        }
    }

    private void commit(Tensor p, Update u) {
        p.copy_(u.param());
        Map<String, Tensor> old = state.computeIfAbsent(p, k -> new LinkedHashMap<>());
        u.state().forEach((k, v) -> {
            Tensor t = old.get(k);
            if (t != null && t.shape().equals(v.shape()) && t.dtype() == v.dtype()) {
                t.copy_(v); // the same buffers every step
            } else {
                old.put(k, v.clone());
            }
        });
    }

    private Update update(Tensor p, ParamGroup<O> g) {
        return update(p, p.grad(), new LinkedHashMap<>(state.getOrDefault(p, Map.of())), g);
    }

    /**
     * Computes one parameter's new value and state from the group's options and hyper-parameter
     * tensors; must not change {@code param}, {@code grad} or {@code state}'s tensors.
     *
     * @param param the parameter's current value
     * @param grad its gradient
     * @param state a mutable copy of its state by name
     * @param group its parameter group
     * @return the new parameter value and state
     */
    protected abstract Update update(Tensor param, Tensor grad, Map<String, Tensor> state, ParamGroup<O> group);

    /**
     * One parameter's state, as {@code optimizer.state[param]}.
     *
     * @param param a parameter of this optimizer
     * @return its state by name, read-only (empty if it has none)
     */
    public final Map<String, Tensor> state(Tensor param) {
        return Collections.unmodifiableMap(state.getOrDefault(param, Map.of()));
    }

    /**
     * The state and hyper-parameters, as {@code optimizer.state_dict()}.
     *
     * @return the state dict; its state tensors are detached and share storage with this optimizer's
     */
    public final StateDict<O> stateDict() {
        Map<Integer, Map<String, Tensor>> out = new LinkedHashMap<>();
        int index = 0;
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params()) {
                Map<String, Tensor> s = state.get(p);
                if (s != null) {
                    Map<String, Tensor> copy = new LinkedHashMap<>();
                    s.forEach((k, v) -> copy.put(k, v.detach()));
                    out.put(index, copy);
                }
                index++;
            }
        }
        return new StateDict<>(out, groups.stream().map(ParamGroup::options).toList(), groups.stream().map(ParamGroup::initialLr).toList());
    }

    /**
     * Restores state and hyper-parameters, as {@code optimizer.load_state_dict}; floating state is cast
     * to its parameter's dtype and device. Everything is checked before anything changes.
     *
     * @param dict a state dict of the same kind of optimizer, with the same groups and parameters
     * @throws KilnException if the dict is null, or its groups, options type, {@code initial_lr}s,
     *     state entries, shapes or dtypes do not fit this optimizer
     */
    public final void loadStateDict(StateDict<O> dict) {
        // Everything is checked before anything is written: a refused dict leaves this optimizer as it was.
        String me = getClass().getSimpleName();
        if (dict == null) {
            throw new KilnException("loadStateDict: the state dict is null");
        }
        if (dict.groups().size() != groups.size()) {
            throw new KilnException("loadStateDict: the dict has " + dict.groups().size() + " parameter groups, this "
                    + me + " has " + groups.size());
        }
        for (int i = 0; i < groups.size(); i++) {
            Object theirs = dict.groups().get(i);
            Object mine = groups.get(i).options();
            if (theirs == null || theirs.getClass() != mine.getClass()) {
                throw new KilnException("loadStateDict: group " + i + " of the dict holds " + optionsName(theirs)
                        + ", but this " + me + " takes " + optionsName(mine) + " (a state dict of another kind of optimizer)");
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            OptionalDouble lr = dict.initialLrs().get(i);
            if (lr == null || lr.isPresent() && !(lr.getAsDouble() >= 0)) {
                throw new KilnException("loadStateDict: group " + i + " of the dict has initial_lr " + lr + ", not a learning rate (>= 0)");
            }
        }
        List<Tensor> all = groups.stream().flatMap(g -> g.params().stream()).toList();
        java.util.Set<Integer> withState = new java.util.TreeSet<>();
        for (int i = 0; i < all.size(); i++) {
            if (state.containsKey(all.get(i))) {
                withState.add(i);
            }
        }
        if (!dict.state().keySet().equals(withState)) {
            throw new KilnException("loadStateDict: the dict has state for " + dict.state().size() + " parameters "
                    + new java.util.TreeSet<>(dict.state().keySet()) + ", but this " + me + " has " + all.size()
                    + " parameters, " + withState.size() + " with state " + withState);
        }
        List<O> optionsOf = new ArrayList<>(); // per parameter: its group's options in the dict
        for (int i = 0; i < groups.size(); i++) {
            for (int k = 0; k < groups.get(i).params().size(); k++) {
                optionsOf.add(dict.groups().get(i));
            }
        }
        for (var e : dict.state().entrySet()) {
            Tensor p = all.get(e.getKey());
            Map<String, Tensor> own = state.get(p);
            Map<String, Tensor> theirs = e.getValue();
            // what a step under the dict's options reads (the dict's options replace these)
            Map<String, Tensor> needed;
            try (var noGrad = Kiln.noGrad()) {
                needed = initialState(p, optionsOf.get(e.getKey()));
            }
            for (String k : needed.keySet()) {
                if (!theirs.containsKey(k)) {
                    throw new KilnException("loadStateDict: parameter " + e.getKey() + " has state " + theirs.keySet()
                            + " in the dict, without '" + k + "', which its options " + optionsOf.get(e.getKey())
                            + " need");
                }
            }
            for (var s : theirs.entrySet()) {
                Tensor mine = own.containsKey(s.getKey()) ? own.get(s.getKey()) : needed.get(s.getKey());
                Tensor t = s.getValue();
                if (t == null || mine != null && (!t.shape().equals(mine.shape())
                        || t.dtype() != mine.dtype() && !(followsParameter(s.getKey(), t) && mine.dtype().isFloating()))) {
                    throw new KilnException("loadStateDict: state '" + s.getKey() + "' of parameter " + e.getKey()
                            + " is " + (t == null ? "null" : t.dtype() + " " + t.shape()) + " in the dict, but "
                            + mine.dtype() + " " + mine.shape() + " here");
                }
            }
        }
        Map<Tensor, Map<String, Tensor>> restored = new IdentityHashMap<>();
        try (var noGrad = Kiln.noGrad()) {
            dict.state().forEach((i, s) -> {
                Tensor p = all.get(i);
                Map<String, Tensor> copy = new LinkedHashMap<>();
                // floating state is cast to its parameter's dtype, as PyTorch's load_state_dict does
                s.forEach((k, v) -> {
                    Tensor c = v.detach().clone();
                    copy.put(k, followsParameter(k, v) && p.dtype().isFloating() ? c.to(p.device()).to(p.dtype()) : c);
                });
                restored.put(p, copy);
            });
            restored.forEach((p, s) -> {
                Map<String, Tensor> own = state.computeIfAbsent(p, k -> new LinkedHashMap<>());
                s.forEach((k, v) -> {
                    Tensor t = own.get(k);
                    if (t != null && t.shape().equals(v.shape()) && t.dtype() == v.dtype() && t.device().equals(v.device())) {
                        t.copy_(v);
                    } else if (t != null && t.shape().equals(v.shape())) {
                        t.set_(v); // the same tensor, so compiled steps that read it see the new dtype and device
                    } else {
                        own.put(k, v);
                    }
                });
            });
        }
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).setOptions(dict.groups().get(i));
            groups.get(i).setInitialLr(dict.initialLrs().get(i)); // absent in the dict: absent here, as PyTorch replaces the group
        }
    }

    /** Floating state other than the step count: kept in its parameter's dtype (PyTorch's rule for loading). */
    private static boolean followsParameter(String name, Tensor value) {
        return !name.equals("step") && value.dtype().isFloating();
    }

    private static String optionsName(Object options) {
        if (options == null) {
            return "null options";
        }
        Class<?> c = options.getClass();
        return (c.getEnclosingClass() != null ? c.getEnclosingClass().getSimpleName() + "." : "") + c.getSimpleName();
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new KilnException(message);
        }
    }
}
