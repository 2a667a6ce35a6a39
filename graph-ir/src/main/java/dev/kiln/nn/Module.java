package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import dev.kiln.io.Safetensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A building block of models, as {@code torch.nn.Module}. Parameters, buffers (state that is
 * saved and converted with the module but not trained, such as running statistics) and
 * sub-modules are registered explicitly, in the order they are declared. A model of two layers;
 * its parameters are {@code fc1.weight}, {@code fc1.bias}, {@code fc2.weight} and {@code fc2.bias}:
 * {@snippet file="ApiSnippets.java" region="module"}
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Notes the module, so that {@code Kiln.explain} can name its parameters by their place ({@code fc1.weight}). */
    protected Module() {
        dev.kiln.internal.Places.noteModule(this);
    }

    /**
     * Applies the module to one input. Modules that take other inputs (losses) define their own {@code forward}.
     *
     * @param input the input tensor
     * @return the module's output
     * @throws KilnException if this module does not take a single input (the default, when not overridden)
     */
    public Tensor forward(Tensor input) {
        throw new KilnException(displayName() + " does not take a single input tensor");
    }

    /**
     * Registers {@code init} as a parameter named {@code name} and returns it (a leaf that requires grad).
     *
     * @param name the parameter's name: non-empty, no {@code '.'}, not already a member of this module
     * @param init the initial value, a floating tensor, wrapped with {@link Parameter#of}
     * @return the registered parameter
     * @throws KilnException if the name is invalid or taken, or {@code init} is not floating
     */
    protected final Tensor parameter(String name, Tensor init) {
        return registerParameter(name, Parameter.of(init));
    }

    /**
     * Registers an existing tensor (for example one shared with another module) as a parameter.
     *
     * @param name the parameter's name: non-empty, no {@code '.'}, not already a member of this module
     * @param p a leaf tensor that requires grad (see {@link Parameter#of})
     * @return {@code p}
     * @throws KilnException if the name is invalid or taken, or {@code p} is not a leaf that requires grad
     */
    public final Tensor registerParameter(String name, Tensor p) {
        checkName(name);
        if (!p.requiresGrad() || !p.isLeaf()) {
            throw new KilnException("parameter '" + name + "' must be a leaf tensor that requires grad; wrap it with Parameter.of");
        }
        parameters.put(name, p);
        return p;
    }

    /**
     * Registers {@code tensor} as a buffer named {@code name} and returns it: in {@link #stateDict()}
     * and converted by {@link #to(DType)}, never a parameter. A compiled step reads and writes it
     * (in place, as {@code buffer.copy_(...)}) like any tensor it touches.
     *
     * @param name the buffer's name: non-empty, no {@code '.'}, not already a member of this module
     * @param tensor a concrete tensor that does not require grad
     * @return {@code tensor}
     * @throws KilnException if the name is invalid or taken, or the tensor is symbolic or requires grad
     */
    public final Tensor registerBuffer(String name, Tensor tensor) {
        checkName(name);
        if (tensor == null || tensor.isSymbolic()) {
            throw new KilnException("buffer '" + name + "' must be a concrete tensor");
        }
        if (tensor.requiresGrad()) {
            throw new KilnException("buffer '" + name + "' requires grad; a buffer is not trained (register a parameter)");
        }
        buffers.put(name, tensor);
        return tensor;
    }

    /**
     * Buffers by dotted path, this module's first, then each child's, as {@code named_buffers()}.
     *
     * @return an unmodifiable map from dotted path to buffer
     */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return Collections.unmodifiableMap(out);
    }

    /**
     * All buffers, in the order of {@link #namedBuffers()}.
     *
     * @return an immutable list of the buffers
     */
    public final List<Tensor> buffers() {
        return List.copyOf(namedBuffers().values());
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        buffers.forEach((name, b) -> out.put(prefix + name, b));
        children.forEach((name, child) -> child.collectBuffers(prefix + name + ".", out));
    }

    /**
     * Converts every floating parameter and buffer (and any gradient) to {@code dtype}, in place:
     * the tensors keep their identity, so fields and optimizers built before still refer to them
     * (an optimizer's state follows at its next step), and compiled functions traced before
     * trace again for the new dtype. Integer tensors are left as they are.
     *
     * @param dtype a floating dtype
     * @return this module
     * @throws KilnException if {@code dtype} is null or not floating
     */
    public Module to(DType dtype) {
        if (dtype == null || !dtype.isFloating()) {
            throw new KilnException(displayName() + ".to: a module converts to a floating dtype, got " + dtype);
        }
        return convertAll(t -> t.dtype().isFloating() && t.dtype() != dtype, t -> t.to(dtype));
    }

    /**
     * Moves every parameter and buffer (and any gradient) to {@code device}, in place, as PyTorch's
     * {@code module.to(device)}: the tensors keep their identity, so fields and optimizers built
     * before still refer to them (an optimizer's state follows at its next step), and compiled
     * functions traced before trace again for the new device.
     *
     * @param device the target device
     * @return this module
     * @throws KilnException if {@code device} is null
     */
    public Module to(Device device) {
        if (device == null) {
            throw new KilnException(displayName() + ".to: the device is null");
        }
        return convertAll(t -> !t.device().equals(device), t -> t.to(device));
    }

    /** Replaces, in place ({@code set_}), each parameter, buffer and gradient that {@code needs} conversion. */
    private Module convertAll(java.util.function.Predicate<Tensor> needs, java.util.function.UnaryOperator<Tensor> convert) {
        Map<String, Tensor> all = new LinkedHashMap<>();
        collectAll("", all);
        Set<Tensor> done = Collections.newSetFromMap(new IdentityHashMap<>());
        try (var noGrad = Kiln.noGrad()) {
            for (Tensor t : all.values()) {
                if (!done.add(t) || !needs.test(t)) {
                    continue;
                }
                Tensor grad = t.grad();
                if (grad != null) {
                    t.clearGrad();
                }
                t.set_(convert.apply(t.detach())); // a fresh, dense tensor
                if (grad != null) {
                    t.setGrad(convert.apply(grad));
                }
            }
        }
        return this;
    }

    /**
     * Registers a sub-module named {@code name} and returns it.
     *
     * @param <M> the sub-module's type
     * @param name the sub-module's name: non-empty, no {@code '.'}, not already a member of this module
     * @param child the sub-module
     * @return {@code child}
     * @throws KilnException if the name is invalid or taken
     */
    protected final <M extends Module> M module(String name, M child) {
        checkName(name);
        children.put(name, child);
        return child;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new KilnException("invalid name '" + name + "': names are non-empty and contain no '.'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new KilnException(displayName() + " already has a member named '" + name + "'");
        }
    }

    /**
     * All parameters, this module's first, then each child's, each shared parameter once, as {@code parameters()}.
     *
     * @return an immutable list of the parameters, in the order of {@link #namedParameters()}
     */
    public final List<Tensor> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /**
     * Parameters by dotted path ({@code "0.weight"}); a shared parameter appears once, under its first path.
     *
     * @return an unmodifiable map from dotted path to parameter
     */
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

    /** This module's own parameters (not its children's), by name. */
    final Map<String, Tensor> ownParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /**
     * A summary of this model as {@code torchinfo.summary(model, input_size)} gives it, printed to
     * standard output and returned: each module call (tree-indented, named by its place in the model),
     * its output shape, parameter count and multiply-adds, then the totals and the memory of the
     * parameters and activations. {@code inputShapes} is the shape of {@link #forward(Tensor)}'s input
     * (a module's forward takes one); the input has the parameters' dtype. The forward is traced in
     * eval mode on a symbolic input (nothing is computed) and every module's mode is restored after.
     *
     * @param inputShapes exactly one shape: that of the forward's input, batch dimension included
     * @return the summary that was printed
     * @throws KilnException if not exactly one shape is given
     */
    public final ModuleSummary summary(Shape... inputShapes) {
        if (inputShapes.length != 1) {
            throw new KilnException(displayName() + ".summary: forward takes one input, so give one input shape; got "
                    + inputShapes.length);
        }
        DType dtype = parameters().stream().map(Tensor::dtype).filter(DType::isFloating).findFirst().orElse(Kiln.defaultDtype());
        Map<Module, Boolean> modes = new IdentityHashMap<>();
        collectModes(modes);
        ModuleSummary s;
        try {
            eval();
            s = ModuleSummary.of(this, inputShapes[0], dtype);
        } finally {
            modes.forEach((m, on) -> m.training = on);
        }
        System.out.print(s);
        return s;
    }

    private void collectModes(Map<Module, Boolean> out) {
        out.put(this, training);
        children.values().forEach(c -> c.collectModes(out));
    }

    /**
     * The direct sub-modules, by name, as {@code named_children()}.
     *
     * @return an unmodifiable map from name to sub-module, in registration order
     */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /**
     * The direct sub-modules, as {@code children()}.
     *
     * @return an immutable list of the sub-modules, in registration order
     */
    public final List<Module> children() {
        return List.copyOf(children.values());
    }

    /**
     * Sets training mode (the default) on this module and every sub-module, as {@code train()}.
     *
     * @return this module
     */
    public Module train() {
        return setTraining(true);
    }

    /**
     * Sets evaluation mode on this module and every sub-module, as {@code eval()}.
     *
     * @return this module
     */
    public Module eval() {
        return setTraining(false);
    }

    private Module setTraining(boolean on) {
        training = on;
        children.values().forEach(c -> c.setTraining(on));
        return this;
    }

    /**
     * Whether this module is in training mode. Read while a compiled function is traced, it guards
     * the plan (as {@code torch.compile} guards {@code module.training}): after {@link #eval()} or
     * {@link #train()} the next call traces again, and plans for both modes stay cached.
     *
     * @return true in training mode, false in evaluation mode
     */
    public final boolean isTraining() {
        if (Tracing.active()) {
            Tracing.guard(this, new ModeGuard(this, training));
            dev.kiln.internal.ModuleCalls.touch();
        }
        return training;
    }

    /** A compiled plan's guard: this module was in {@code training} mode when traced. */
    private record ModeGuard(Module module, boolean training) implements Tracing.Guard {
        @Override
        public boolean holds() {
            return module.training == training;
        }

        @Override
        public String describe() {
            return module.displayName() + " in " + (training ? "training" : "eval") + " mode";
        }
    }

    /** Clears every parameter's gradient (PyTorch 2's default, {@code set_to_none=True}). */
    public void zeroGrad() {
        parameters().forEach(Tensor::clearGrad);
    }

    /**
     * The parameters and buffers by dotted path, detached (sharing storage), as {@code state_dict()}.
     *
     * @return a new map in PyTorch's state-dict order: each module's parameters, then its buffers, then its children's
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectAll("", out);
        out.replaceAll((k, v) -> v.detach());
        return out;
    }

    /** Parameters, then buffers, of this module; then each child's: PyTorch's state-dict order. */
    private void collectAll(String prefix, Map<String, Tensor> out) {
        parameters.forEach((name, p) -> out.put(prefix + name, p));
        buffers.forEach((name, b) -> out.put(prefix + name, b));
        children.forEach((name, child) -> child.collectAll(prefix + name + ".", out));
    }

    /**
     * Copies values into the parameters and buffers, converting them to each one's dtype (as
     * PyTorch's {@code copy_} does). With {@code strict}, missing and unexpected keys are errors.
     * Everything is checked before anything is written.
     *
     * @param state values by dotted path, as {@link #stateDict()} names them
     * @param strict whether keys missing from {@code state}, or in it but not in this module, are errors
     * @throws KilnException on a shape mismatch, a floating/integer dtype mismatch, or (with {@code strict})
     *         missing or unexpected keys; every problem is named in one message
     */
    public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
        loadStateDict(state, strict, "loadStateDict");
    }

    /** {@code what} names the call in errors. */
    private void loadStateDict(Map<String, Tensor> state, boolean strict, String what) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        collectAll("", own);
        Set<String> missing = new TreeSet<>(own.keySet());
        missing.removeAll(state.keySet());
        Set<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(own.keySet());
        List<String> problems = new ArrayList<>();
        state.forEach((k, v) -> {
            Tensor p = own.get(k);
            if (p != null && !p.shape().equals(v.shape())) {
                problems.add(k + ": checkpoint shape " + v.shape() + ", parameter shape " + p.shape());
            } else if (p != null && v.dtype().isFloating() != p.dtype().isFloating()) {
                problems.add(k + ": checkpoint dtype " + v.dtype() + ", parameter dtype " + p.dtype());
            }
        });
        // every error at once, as PyTorch's "Error(s) in loading state_dict"
        boolean keys = strict && (!missing.isEmpty() || !unexpected.isEmpty());
        if (keys || !problems.isEmpty()) {
            String message = what + ": " + (keys ? "missing keys " + missing + ", unexpected keys " + unexpected : "");
            if (!problems.isEmpty()) {
                message += (keys ? "; " : "") + "size mismatch for " + String.join("; ", problems);
            }
            throw new KilnException(message);
        }
        try (var noGrad = Kiln.noGrad()) {
            state.forEach((k, v) -> {
                Tensor p = own.get(k);
                if (p != null) {
                    p.copy_(v.to(p.dtype()));
                }
            });
        }
    }

    /**
     * Writes {@link #stateDict()} to {@code path} as safetensors (see {@link Safetensors}): keys as
     * PyTorch's {@code state_dict()} names them, so {@code safetensors.torch.load_file} in Python
     * gives a dict that PyTorch's matching module loads. The file appears whole or not at all.
     *
     * @param path the file to write
     * @throws KilnException if the file cannot be written
     */
    public final void save(Path path) {
        Safetensors.save(path, stateDict());
    }

    /**
     * Loads a safetensors file written by {@link #save} (or by PyTorch) into this module: strict
     * keys, shapes and dtype kinds checked for every entry before anything is written, values
     * converted to each parameter's dtype.
     *
     * @param path the safetensors file to read
     * @return this module
     * @throws KilnException if the file cannot be read, or its keys, shapes or dtype kinds do not match
     */
    public Module load(Path path) {
        loadStateDict(Safetensors.load(path), true, "load " + path);
        return this;
    }

    /**
     * The part inside the parentheses of this module's line in {@link #toString()}, as PyTorch's {@code extra_repr()}.
     *
     * @return the extra description; empty by default
     */
    protected String extraRepr() {
        return "";
    }

    /** The name this module prints as: its class's, or for a generated {@code @Model} class, the user's class's. */
    String displayName() {
        Class<?> c = getClass();
        return c.getSuperclass() != null && c.getSuperclass().isAnnotationPresent(dev.kiln.model.Model.class)
                ? c.getSuperclass().getSimpleName() : c.getSimpleName();
    }

    /** The module tree, as PyTorch prints it. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(displayName()).append('(').append(extraRepr());
        if (!children.isEmpty()) {
            sb.append('\n');
            children.forEach((name, child) -> sb.append("  (").append(name).append("): ")
                    .append(child.toString().replace("\n", "\n  ")).append('\n'));
        }
        return sb.append(')').toString();
    }
}
