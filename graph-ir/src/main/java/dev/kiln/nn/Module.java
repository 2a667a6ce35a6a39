package dev.kiln.nn;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A building block of models, as {@code torch.nn.Module}. Parameters and sub-modules are
 * registered explicitly, in the order they are declared:
 * <pre>
 * class Polynomial3 extends Module {
 *     final Tensor a = parameter("a", Tensor.randn());
 *     ...
 * }
 * </pre>
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Applies the module to one input. Modules that take other inputs (losses) define their own {@code forward}. */
    public Tensor forward(Tensor input) {
        throw new KilnException(getClass().getSimpleName() + " does not take a single input tensor");
    }

    /** Registers {@code init} as a parameter named {@code name} and returns it (a leaf that requires grad). */
    protected final Tensor parameter(String name, Tensor init) {
        return registerParameter(name, Parameter.of(init));
    }

    /** Registers an existing tensor (for example one shared with another module) as a parameter. */
    public final Tensor registerParameter(String name, Tensor p) {
        checkName(name);
        if (!p.requiresGrad() || !p.isLeaf()) {
            throw new KilnException("parameter '" + name + "' must be a leaf tensor that requires grad; wrap it with Parameter.of");
        }
        parameters.put(name, p);
        return p;
    }

    /** Registers a sub-module named {@code name} and returns it. */
    protected final <M extends Module> M module(String name, M child) {
        checkName(name);
        children.put(name, child);
        return child;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new KilnException("invalid name '" + name + "': names are non-empty and contain no '.'");
        }
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new KilnException(getClass().getSimpleName() + " already has a member named '" + name + "'");
        }
    }

    /** All parameters, this module's first, then each child's, each shared parameter once. */
    public final List<Tensor> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /** Parameters by dotted path ({@code "0.weight"}); a shared parameter appears once, under its first path. */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        parameters.forEach((name, p) -> {
            if (seen.add(p)) {
                out.put(prefix + name, p);
            }
        });
        children.forEach((name, child) -> child.collect(prefix + name + ".", out, seen));
    }

    /** The direct sub-modules, by name. */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    public final List<Module> children() {
        return List.copyOf(children.values());
    }

    /** Training mode (the default); sets it on every sub-module too. */
    public Module train() {
        return setTraining(true);
    }

    /** Evaluation mode; sets it on every sub-module too. */
    public Module eval() {
        return setTraining(false);
    }

    private Module setTraining(boolean on) {
        training = on;
        children.values().forEach(c -> c.setTraining(on));
        return this;
    }

    public final boolean isTraining() {
        return training;
    }

    /** Clears every parameter's gradient (PyTorch 2's default, {@code set_to_none=True}). */
    public void zeroGrad() {
        parameters().forEach(Tensor::clearGrad);
    }

    /** The parameters by dotted path, detached (sharing storage), as {@code state_dict()}. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectAll("", out);
        out.replaceAll((k, v) -> v.detach());
        return out;
    }

    private void collectAll(String prefix, Map<String, Tensor> out) {
        parameters.forEach((name, p) -> out.put(prefix + name, p));
        children.forEach((name, child) -> child.collectAll(prefix + name + ".", out));
    }

    /**
     * Copies values into the parameters. With {@code strict}, missing and unexpected keys are
     * errors. Everything is checked before anything is written.
     */
    public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        collectAll("", own);
        Set<String> missing = new TreeSet<>(own.keySet());
        missing.removeAll(state.keySet());
        Set<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(own.keySet());
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new KilnException("loadStateDict: missing keys " + missing + ", unexpected keys " + unexpected);
        }
        List<String> problems = new ArrayList<>();
        state.forEach((k, v) -> {
            Tensor p = own.get(k);
            if (p != null && !p.shape().equals(v.shape())) {
                problems.add(k + ": checkpoint shape " + v.shape() + ", parameter shape " + p.shape());
            }
        });
        if (!problems.isEmpty()) {
            throw new KilnException("loadStateDict: size mismatch for " + String.join("; ", problems));
        }
        try (var noGrad = Kiln.noGrad()) {
            state.forEach((k, v) -> {
                Tensor p = own.get(k);
                if (p != null) {
                    p.copy_(v);
                }
            });
        }
    }

    /** The part inside the parentheses of this module's line in {@link #toString()}. */
    protected String extraRepr() {
        return "";
    }

    /** The module tree, as PyTorch prints it. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(extraRepr());
        if (!children.isEmpty()) {
            sb.append('\n');
            children.forEach((name, child) -> sb.append("  (").append(name).append("): ")
                    .append(child.toString().replace("\n", "\n  ")).append('\n'));
        }
        return sb.append(')').toString();
    }
}
