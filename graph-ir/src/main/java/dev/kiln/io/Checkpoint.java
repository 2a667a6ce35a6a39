package dev.kiln.io;

import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.nn.Module;
import dev.kiln.optim.LRScheduler;
import dev.kiln.optim.Optimizer;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * A training run in one safetensors file — the model, the optimizer, the learning-rate schedulers,
 * the data loaders' shuffle generators and the random generator — so that a run resumed from it goes
 * on exactly as the uninterrupted run would have, bit for bit: as PyTorch users save
 * {@code {'model': ..., 'optimizer': ..., 'scheduler': ..., 'rng': ...}} with {@code torch.save}.
 *
 * <pre>{@code
 * Checkpoint run = Checkpoint.of(model, optimizer).withSchedulers(scheduler).withLoaders(loader);
 * run.save(path, Map.of("epoch", "3"));     // between epochs
 * Map<String, String> meta = run.load(path);  // in a fresh process, after building the same objects
 * }</pre>
 *
 * <p>Layout (docs/checkpoints.md): the model's state dict under {@code model.<key>}; each optimizer
 * state tensor under {@code optimizer.state.<parameter index>.<name>} (indices across groups, in
 * order, as {@link Optimizer#stateDict()} numbers them); in {@code __metadata__},
 * {@code kiln.checkpoint} (the layout's version), {@code kiln.optimizer} (JSON: the optimizer's
 * class, each group's parameter indices, options and {@code initial_lr}, each parameter's state names),
 * {@code kiln.schedulers} (JSON: each scheduler's class and state dict), {@code kiln.loaders} (JSON:
 * each loader's shuffle generator state, null for one that does not shuffle) and {@code kiln.generator}
 * (JSON: seed and offset), beside the caller's own string entries, whose keys must not start with
 * {@code kiln.}.
 */
public final class Checkpoint {
    static final String VERSION = "1";
    private static final String MODEL = "model.";
    private static final String STATE = "optimizer.state.";

    private final Module model;
    private final Optimizer<?> optimizer;
    private final List<LRScheduler> schedulers;
    private final List<DataLoader> loaders;
    private final boolean defaultGenerator;
    private final Generator generator;

    private Checkpoint(Module model, Optimizer<?> optimizer, List<LRScheduler> schedulers, List<DataLoader> loaders,
            boolean defaultGenerator, Generator generator) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedulers = schedulers;
        this.loaders = loaders;
        this.defaultGenerator = defaultGenerator;
        this.generator = generator;
    }

    /**
     * The parts of a run that {@link #save(Path)} and {@link #load(Path)} handle together: the model, the
     * optimizer (null for none) and the default generator of the thread that saves or loads.
     *
     * @param model the model, saved as its state dict
     * @param optimizer the optimizer, or null for none
     * @return the checkpoint's parts, without schedulers or loaders
     * @throws KilnException if {@code model} is null
     */
    public static Checkpoint of(Module model, Optimizer<?> optimizer) {
        if (model == null) {
            throw new KilnException("Checkpoint: the model must not be null");
        }
        return new Checkpoint(model, optimizer, List.of(), List.of(), true, null);
    }

    /**
     * These parts and the schedulers' state dicts (as PyTorch's {@code scheduler.state_dict()}).
     *
     * @param schedulers the schedulers, in the order they are saved and loaded (replacing any given before)
     * @return a new checkpoint with these schedulers
     * @throws KilnException if the array or one of its schedulers is null
     */
    public Checkpoint withSchedulers(LRScheduler... schedulers) {
        return new Checkpoint(model, optimizer, parts("scheduler", schedulers), loaders, defaultGenerator, generator);
    }

    /**
     * These parts and the loaders' shuffle generators ({@link DataLoader#generator()}): saved between
     * epochs, the next epoch's order is the one the uninterrupted run would draw. A loader that does
     * not shuffle has nothing to save (its order does not change); an epoch saved in its middle is not
     * replayed — as in PyTorch, a resumed run starts a new epoch.
     *
     * @param loaders the data loaders, in the order they are saved and loaded (replacing any given before)
     * @return a new checkpoint with these loaders
     * @throws KilnException if the array or one of its loaders is null
     */
    public Checkpoint withLoaders(DataLoader... loaders) {
        return new Checkpoint(model, optimizer, schedulers, parts("loader", loaders), defaultGenerator, generator);
    }

    /**
     * These parts with {@code generator} (null for none) in place of the thread's default generator.
     *
     * @param generator the generator to save and restore, or null for none
     * @return a new checkpoint with this generator
     */
    public Checkpoint withGenerator(Generator generator) {
        return new Checkpoint(model, optimizer, schedulers, loaders, false, generator);
    }

    private static <T> List<T> parts(String what, T[] parts) {
        if (parts == null || Arrays.asList(parts).contains(null)) {
            throw new KilnException("Checkpoint: a " + what + " must not be null (leave it out to skip it)");
        }
        return List.of(parts);
    }

    private Generator generator() {
        return defaultGenerator ? Kiln.defaultGenerator() : generator;
    }

    /**
     * Saves the model, the optimizer and the calling thread's default generator, atomically.
     *
     * @param path the file to write (replaced atomically)
     * @param model the model, saved as its state dict
     * @param optimizer the optimizer, or null for none
     * @throws KilnException if {@code model} is null or the file cannot be written
     */
    public static void save(Path path, Module model, Optimizer<?> optimizer) {
        of(model, optimizer).save(path);
    }

    /**
     * Saves the model, the optimizer (null for none), the generator (null for none) and the
     * caller's own metadata (an epoch, a data position; null for none), atomically.
     *
     * @param path the file to write (replaced atomically)
     * @param model the model, saved as its state dict
     * @param optimizer the optimizer, or null for none
     * @param generator the generator, or null for none
     * @param extra the caller's metadata, or null for none; no key may start with {@code kiln.}
     * @throws KilnException if {@code model} is null, a metadata key is reserved, or the file cannot be written
     */
    public static void save(Path path, Module model, Optimizer<?> optimizer, Generator generator, Map<String, String> extra) {
        of(model, optimizer).withGenerator(generator).save(path, extra);
    }

    /**
     * Saves these parts, atomically.
     *
     * @param path the file to write (replaced atomically)
     * @throws KilnException if the file cannot be written
     */
    public void save(Path path) {
        save(path, Map.of());
    }

    /**
     * Saves these parts and the caller's own metadata (an epoch; null for none), atomically.
     *
     * @param path the file to write (replaced atomically)
     * @param extra the caller's metadata, or null for none; no key may start with {@code kiln.}
     * @throws KilnException if a metadata key is reserved or the file cannot be written
     */
    public void save(Path path, Map<String, String> extra) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put(MODEL + k, v));
        Map<String, String> meta = new TreeMap<>();
        (extra == null ? Map.<String, String>of() : extra).forEach((k, v) -> {
            if (k.startsWith("kiln.")) {
                throw new KilnException("Checkpoint.save: metadata key '" + k + "' is reserved (keys starting with 'kiln.')");
            }
            meta.put(k, v);
        });
        meta.put("kiln.checkpoint", VERSION);
        if (optimizer != null) {
            meta.put("kiln.optimizer", describe(optimizer, tensors));
        }
        if (!schedulers.isEmpty()) {
            List<Object> states = new ArrayList<>();
            for (LRScheduler s : schedulers) {
                LRScheduler.StateDict d = s.stateDict();
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("class", d.kind());
                entry.put("state", d.state());
                states.add(entry);
            }
            meta.put("kiln.schedulers", Json.write(new StringBuilder(), states).toString());
        }
        if (!loaders.isEmpty()) {
            List<Object> states = new ArrayList<>();
            for (DataLoader l : loaders) {
                states.add(l.generator() == null ? null : generatorJson(l.generator()));
            }
            meta.put("kiln.loaders", Json.write(new StringBuilder(), states).toString());
        }
        Generator g = generator();
        if (g != null) {
            meta.put("kiln.generator", Json.write(new StringBuilder(), generatorJson(g)).toString());
        }
        Safetensors.save(path, tensors, meta);
    }

    private static Map<String, Object> generatorJson(Generator generator) {
        Generator.State s = generator.state();
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("seed", s.seed());
        g.put("offset", s.offset());
        return g;
    }

    private static String describe(Optimizer<?> optimizer, Map<String, Tensor> tensors) {
        Optimizer.StateDict<?> dict = optimizer.stateDict();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("class", optimizer.getClass().getName());
        List<Object> groups = new ArrayList<>();
        int index = 0;
        for (int g = 0; g < optimizer.paramGroups().size(); g++) {
            Map<String, Object> group = new LinkedHashMap<>();
            List<Object> params = new ArrayList<>();
            for (int k = 0; k < optimizer.paramGroups().get(g).params().size(); k++) {
                params.add(index++);
            }
            group.put("params", params);
            group.put("options", options(dict.groups().get(g)));
            dict.initialLrs().get(g).ifPresent(lr -> group.put("initial_lr", lr));
            groups.add(group);
        }
        json.put("param_groups", groups);
        Map<String, Object> state = new LinkedHashMap<>();
        dict.state().forEach((i, s) -> {
            state.put(Integer.toString(i), new ArrayList<Object>(s.keySet()));
            s.forEach((name, t) -> tensors.put(STATE + i + "." + name, t));
        });
        json.put("state", state);
        return Json.write(new StringBuilder(), json).toString();
    }

    private static Map<String, Object> options(Object record) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            try {
                out.put(c.getName(), c.getAccessor().invoke(record));
            } catch (ReflectiveOperationException e) {
                throw new KilnException("Checkpoint: cannot read option '" + c.getName() + "' of " + record + ": " + e, e);
            }
        }
        return out;
    }

    /**
     * Restores into the model, the optimizer and the calling thread's default generator; returns the
     * caller's metadata. A checkpoint that does not fit changes nothing.
     *
     * @param path the checkpoint file to read
     * @param model the model to restore
     * @param optimizer the optimizer to restore, or null to skip it
     * @return the caller's metadata (the entries whose keys do not start with {@code kiln.})
     * @throws KilnException if {@code model} is null, the file is not a Kiln training checkpoint, or its
     *     parts do not fit these
     */
    public static Map<String, String> load(Path path, Module model, Optimizer<?> optimizer) {
        return of(model, optimizer).load(path);
    }

    /**
     * Restores into the model, the optimizer (null to skip it) and the generator (null to skip it);
     * returns the caller's own metadata. Everything is read and checked first: a checkpoint that does
     * not fit (other keys or shapes, another optimizer, other groups) changes nothing.
     *
     * @param path the checkpoint file to read
     * @param model the model to restore
     * @param optimizer the optimizer to restore, or null to skip it
     * @param generator the generator to restore, or null to skip it
     * @return the caller's metadata (the entries whose keys do not start with {@code kiln.})
     * @throws KilnException if {@code model} is null, the file is not a Kiln training checkpoint, or its
     *     parts do not fit these
     */
    public static Map<String, String> load(Path path, Module model, Optimizer<?> optimizer, Generator generator) {
        return of(model, optimizer).withGenerator(generator).load(path);
    }

    /**
     * Restores these parts from {@code path} (a part the file has and these do not is skipped); returns
     * the caller's own metadata. Everything is read and checked first: a checkpoint that does not fit
     * (other keys or shapes, another optimizer, other groups, other schedulers or loaders, a part saved
     * without) changes nothing.
     *
     * @param path the checkpoint file to read
     * @return the caller's metadata (the entries whose keys do not start with {@code kiln.})
     * @throws KilnException if the file cannot be read, is not a Kiln training checkpoint, or its parts do
     *     not fit these
     */
    public Map<String, String> load(Path path) {
        Map<String, String> meta = Safetensors.metadata(path);
        if (!VERSION.equals(meta.get("kiln.checkpoint"))) {
            throw new KilnException(path + ": not a Kiln training checkpoint (no kiln.checkpoint=" + VERSION
                    + " in its metadata); a weights-only file loads with Module.load");
        }
        Map<String, Tensor> tensors = Safetensors.load(path);
        Map<String, Tensor> modelState = new LinkedHashMap<>();
        Map<Integer, Map<String, Tensor>> optState = new TreeMap<>();
        for (var e : tensors.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(MODEL)) {
                modelState.put(k.substring(MODEL.length()), e.getValue());
            } else if (k.startsWith(STATE) && k.indexOf('.', STATE.length()) > 0) {
                int dot = k.indexOf('.', STATE.length());
                int index = parseIndex(path, k, k.substring(STATE.length(), dot));
                optState.computeIfAbsent(index, x -> new LinkedHashMap<>()).put(k.substring(dot + 1), e.getValue());
            } else {
                throw new KilnException(path + ": entry '" + k + "' belongs to no part of a training checkpoint");
            }
        }
        Runnable restoreOptimizer = optimizer == null ? () -> { } : optimizerRestore(path, meta, optimizer, optState);
        List<LRScheduler.StateDict> schedulerStates = schedulers.isEmpty() ? List.of() : schedulerStates(path, meta);
        List<Generator.State> loaderStates = loaders.isEmpty() ? List.of() : loaderStates(path, meta);
        Generator g = generator();
        Generator.State gen = g == null ? null : generatorState(path, meta);
        // Schedulers (each checks its whole state before writing), then the model, then the optimizer:
        // whichever refuses its part, the parts written before it go back.
        List<LRScheduler.StateDict> schedulersBefore = schedulers.stream().map(LRScheduler::stateDict).toList();
        Map<String, Tensor> before = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> before.put(k, v.clone()));
        int loaded = 0;
        try {
            for (; loaded < schedulers.size(); loaded++) {
                schedulers.get(loaded).loadStateDict(schedulerStates.get(loaded));
            }
            model.loadStateDict(modelState, true);
            try {
                restoreOptimizer.run();
            } catch (RuntimeException e) {
                model.loadStateDict(before, true);
                throw e;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < loaded; i++) {
                schedulers.get(i).loadStateDict(schedulersBefore.get(i));
            }
            throw e;
        }
        for (int i = 0; i < loaders.size(); i++) {
            if (loaderStates.get(i) != null) {
                loaders.get(i).generator().setState(loaderStates.get(i));
            }
        }
        if (gen != null) {
            g.setState(gen);
        }
        Map<String, String> extra = new TreeMap<>(meta);
        extra.keySet().removeIf(k -> k.startsWith("kiln."));
        return extra;
    }

    /** The saved schedulers' state dicts, checked against these schedulers' number and kinds. */
    private List<LRScheduler.StateDict> schedulerStates(Path path, Map<String, String> meta) {
        List<?> saved = list(path, meta, "kiln.schedulers", "scheduler");
        if (saved.size() != schedulers.size()) {
            throw new KilnException(path + ": the checkpoint holds " + saved.size() + " schedulers' state, " + schedulers.size() + " are given");
        }
        List<LRScheduler.StateDict> out = new ArrayList<>();
        for (int i = 0; i < saved.size(); i++) {
            String kind = schedulers.get(i).getClass().getName();
            if (!(saved.get(i) instanceof Map<?, ?> entry) || !(entry.get("class") instanceof String cls) || !(entry.get("state") instanceof Map<?, ?> state)) {
                throw new KilnException(path + ": scheduler " + i + " of the checkpoint is not a {\"class\": ..., \"state\": {...}} object");
            }
            if (!cls.equals(kind)) {
                throw new KilnException(path + ": scheduler " + i + " of the checkpoint is a " + cls + ", the one given is a " + kind);
            }
            Map<String, Object> values = new LinkedHashMap<>();
            state.forEach((k, v) -> values.put((String) k, plain(v)));
            out.add(new LRScheduler.StateDict(cls, values));
        }
        return out;
    }

    /** The saved loaders' generator states (null for a loader that does not shuffle), checked against these loaders. */
    private List<Generator.State> loaderStates(Path path, Map<String, String> meta) {
        List<?> saved = list(path, meta, "kiln.loaders", "loader");
        if (saved.size() != loaders.size()) {
            throw new KilnException(path + ": the checkpoint holds " + saved.size() + " data loaders' state, " + loaders.size() + " are given");
        }
        List<Generator.State> out = new ArrayList<>();
        for (int i = 0; i < saved.size(); i++) {
            boolean shuffles = loaders.get(i).generator() != null;
            if (shuffles != (saved.get(i) != null)) {
                throw new KilnException(path + ": data loader " + i + (shuffles ? " shuffles, but the one saved did not"
                        : " does not shuffle, but the one saved did"));
            }
            out.add(shuffles ? generatorState(path, "kiln.loaders", saved.get(i)) : null);
        }
        return out;
    }

    private static List<?> list(Path path, Map<String, String> meta, String key, String what) {
        String text = meta.get(key);
        if (text == null) {
            throw new KilnException(path + ": the checkpoint holds no " + what + " state (saved without); leave the " + what
                    + "s out to skip them");
        }
        try {
            if (Json.parse(text) instanceof List<?> l) {
                return l;
            }
        } catch (Json.SyntaxError e) {
            throw new KilnException(path + ": metadata '" + key + "' is not valid JSON: " + e.getMessage(), e);
        }
        throw new KilnException(path + ": metadata '" + key + "' is not a JSON list");
    }

    /** A JSON value with the strings that stand for NaN and the infinities read back as doubles. */
    private static Object plain(Object v) {
        return switch (v) {
            case String s when s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity") -> Double.parseDouble(s);
            case List<?> l -> l.stream().map(Checkpoint::plain).toList();
            case null, default -> v;
        };
    }

    private static int parseIndex(Path path, String key, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new KilnException(path + ": entry '" + key + "' has no parameter index", e);
        }
    }

    private static Generator.State generatorState(Path path, Map<String, String> meta) {
        String text = meta.get("kiln.generator");
        if (text == null) {
            throw new KilnException(path + ": the checkpoint holds no generator state (saved without one); pass null to skip it");
        }
        return generatorState(path, "kiln.generator", object(path, "kiln.generator", text));
    }

    private static Generator.State generatorState(Path path, String key, Object json) {
        if (!(json instanceof Map<?, ?> g)) {
            throw new KilnException(path + ": a generator state in '" + key + "' is " + json + ", not a {\"seed\", \"offset\"} object");
        }
        return new Generator.State(integer(path, g.get("seed")), integer(path, g.get("offset")));
    }

    /** Checks the optimizer's part now; returns what writes it. */
    private static Runnable optimizerRestore(Path path, Map<String, String> meta, Optimizer<?> optimizer,
            Map<Integer, Map<String, Tensor>> state) {
        String text = meta.get("kiln.optimizer");
        if (text == null) {
            throw new KilnException(path + ": the checkpoint holds no optimizer state (saved without one); pass null to skip it");
        }
        Map<?, ?> json = object(path, "kiln.optimizer", text);
        String cls = optimizer.getClass().getName();
        if (!cls.equals(json.get("class"))) {
            throw new KilnException(path + ": the checkpoint's optimizer is " + json.get("class") + ", this one is " + cls);
        }
        if (!(json.get("param_groups") instanceof List<?> groups) || groups.size() != optimizer.paramGroups().size()) {
            throw new KilnException(path + ": the checkpoint's optimizer has "
                    + (json.get("param_groups") instanceof List<?> l ? l.size() : "no") + " parameter groups, this one has "
                    + optimizer.paramGroups().size());
        }
        List<Object> options = new ArrayList<>();
        List<OptionalDouble> initialLrs = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            if (!(groups.get(g) instanceof Map<?, ?> group)) {
                throw new KilnException(path + ": parameter group " + g + " of the checkpoint is " + groups.get(g) + ", not an object");
            }
            // absent in files saved before schedules kept it, and in groups no schedule has started
            initialLrs.add(switch (plain(group.get("initial_lr"))) {
                case null -> OptionalDouble.empty();
                case Number n -> OptionalDouble.of(n.doubleValue());
                case Object v -> throw new KilnException(path + ": initial_lr of parameter group " + g + " is " + v + " in the checkpoint, not a number");
            });
            int size = optimizer.paramGroups().get(g).params().size();
            if (!(group.get("params") instanceof List<?> params) || params.size() != size) {
                throw new KilnException(path + ": parameter group " + g + " of the checkpoint has "
                        + (group.get("params") instanceof List<?> l ? l.size() : "no") + " parameters, this optimizer's has " + size);
            }
            options.add(record(path, g, optimizer.paramGroups().get(g).options().getClass(), group.get("options")));
        }
        return () -> load(optimizer, state, options, initialLrs);
    }

    @SuppressWarnings("unchecked")
    private static <O extends Optimizer.Options<O>> void load(Optimizer<O> optimizer, Map<Integer, Map<String, Tensor>> state,
            List<Object> options, List<OptionalDouble> initialLrs) {
        optimizer.loadStateDict(new Optimizer.StateDict<>(state, (List<O>) (List<?>) options, initialLrs));
    }

    /** The options record of class {@code type} from parameter group {@code g}'s JSON object, through its canonical constructor. */
    private static Object record(Path path, int g, Class<?> type, Object options) {
        if (options == null) {
            throw new KilnException(path + ": parameter group " + g + " of the checkpoint has no options");
        }
        if (!(options instanceof Map<?, ?> json)) {
            throw new KilnException(path + ": the options of parameter group " + g + " are " + options + " in the checkpoint, not an object");
        }
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            Object v = json.get(c.getName());
            args[i] = switch (v) {
                case Boolean b when c.getType() == boolean.class -> b;
                case BigInteger n when c.getType() == double.class -> n.doubleValue();
                case Double d when c.getType() == double.class -> d;
                case String s when c.getType() == double.class && (s.equals("NaN") || s.endsWith("Infinity")) -> Double.parseDouble(s);
                case BigInteger n when c.getType() == int.class && n.bitLength() < Integer.SIZE -> n.intValue();
                case BigInteger n when c.getType() == long.class && n.bitLength() < Long.SIZE -> n.longValue();
                case BigInteger n when c.getType() == int.class || c.getType() == long.class -> throw new KilnException(path
                        + ": option '" + c.getName() + "' of " + type.getSimpleName() + " in parameter group " + g + " is " + n
                        + " in the checkpoint, out of the range of " + c.getType());
                case null, default -> throw new KilnException(path + ": option '" + c.getName() + "' of " + type.getSimpleName()
                        + " is " + v + " in the checkpoint, not a " + c.getType());
            };
        }
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            return canonical.newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof KilnException k ? k
                    : new KilnException(path + ": the checkpoint's options do not make a " + type.getSimpleName() + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new KilnException(path + ": cannot make " + type.getName() + " options: " + e, e);
        }
    }

    private static Map<?, ?> object(Path path, String key, String text) {
        try {
            if (Json.parse(text) instanceof Map<?, ?> m) {
                return m;
            }
        } catch (Json.SyntaxError e) {
            throw new KilnException(path + ": metadata '" + key + "' is not valid JSON: " + e.getMessage(), e);
        }
        throw new KilnException(path + ": metadata '" + key + "' is not a JSON object");
    }

    private static long integer(Path path, Object v) {
        if (v instanceof BigInteger n && n.bitLength() < 64) {
            return n.longValue();
        }
        throw new KilnException(path + ": generator state " + v + " is not a 64-bit integer");
    }
}
