package dev.kiln.io;

import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import dev.kiln.optim.Optimizer;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A training run in one safetensors file — the model, the optimizer and the random generator — so
 * that a run resumed from it goes on exactly as the uninterrupted run would have, bit for bit: as
 * PyTorch users save {@code {'model': ..., 'optimizer': ..., 'rng': ...}} with {@code torch.save}.
 *
 * <p>Layout (docs/checkpoints.md): the model's state dict under {@code model.<key>}; each optimizer
 * state tensor under {@code optimizer.state.<parameter index>.<name>} (indices across groups, in
 * order, as {@link Optimizer#stateDict()} numbers them); in {@code __metadata__},
 * {@code kiln.checkpoint} (the layout's version), {@code kiln.optimizer} (JSON: the optimizer's
 * class, each group's parameter indices and options, each parameter's state names) and
 * {@code kiln.generator} (JSON: seed and offset), beside the caller's own string entries, whose
 * keys must not start with {@code kiln.}.
 */
public final class Checkpoint {
    static final String VERSION = "1";
    private static final String MODEL = "model.";
    private static final String STATE = "optimizer.state.";

    private Checkpoint() {
    }

    /** Saves the model, the optimizer and the calling thread's default generator. */
    public static void save(Path path, Module model, Optimizer<?> optimizer) {
        save(path, model, optimizer, Kiln.defaultGenerator(), Map.of());
    }

    /**
     * Saves the model, the optimizer (null for none), the generator (null for none) and the
     * caller's own metadata (an epoch, a data position; null for none), atomically.
     */
    public static void save(Path path, Module model, Optimizer<?> optimizer, Generator generator, Map<String, String> extra) {
        if (model == null) {
            throw new KilnException("Checkpoint.save: the model must not be null");
        }
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
        if (generator != null) {
            Generator.State s = generator.state();
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("seed", s.seed());
            g.put("offset", s.offset());
            meta.put("kiln.generator", Json.write(new StringBuilder(), g).toString());
        }
        Safetensors.save(path, tensors, meta);
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
                throw new KilnException("Checkpoint: cannot read option '" + c.getName() + "' of " + record + ": " + e);
            }
        }
        return out;
    }

    /** Restores into the model, the optimizer and the calling thread's default generator; returns the caller's metadata. */
    public static Map<String, String> load(Path path, Module model, Optimizer<?> optimizer) {
        return load(path, model, optimizer, Kiln.defaultGenerator());
    }

    /**
     * Restores into the model, the optimizer (null to skip it) and the generator (null to skip it);
     * returns the caller's own metadata. Everything is read and checked first: a checkpoint that does
     * not fit (other keys or shapes, another optimizer, other groups) changes nothing.
     */
    public static Map<String, String> load(Path path, Module model, Optimizer<?> optimizer, Generator generator) {
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
        Generator.State gen = generator == null ? null : generatorState(path, meta);
        // The model is checked and written first; if the optimizer then refuses its part, the model goes back.
        Map<String, Tensor> before = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> before.put(k, v.clone()));
        model.loadStateDict(modelState, true);
        try {
            restoreOptimizer.run();
        } catch (RuntimeException e) {
            model.loadStateDict(before, true);
            throw e;
        }
        if (gen != null) {
            generator.setState(gen);
        }
        Map<String, String> extra = new TreeMap<>(meta);
        extra.keySet().removeIf(k -> k.startsWith("kiln."));
        return extra;
    }

    private static int parseIndex(Path path, String key, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new KilnException(path + ": entry '" + key + "' has no parameter index");
        }
    }

    private static Generator.State generatorState(Path path, Map<String, String> meta) {
        String text = meta.get("kiln.generator");
        if (text == null) {
            throw new KilnException(path + ": the checkpoint holds no generator state (saved without one); pass null to skip it");
        }
        Map<?, ?> g = object(path, "kiln.generator", text);
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
        for (int g = 0; g < groups.size(); g++) {
            Map<?, ?> group = (Map<?, ?>) groups.get(g);
            int size = optimizer.paramGroups().get(g).params().size();
            if (!(group.get("params") instanceof List<?> params) || params.size() != size) {
                throw new KilnException(path + ": parameter group " + g + " of the checkpoint has "
                        + (group.get("params") instanceof List<?> l ? l.size() : "no") + " parameters, this optimizer's has " + size);
            }
            options.add(record(path, optimizer.paramGroups().get(g).options().getClass(), (Map<?, ?>) group.get("options")));
        }
        return () -> load(optimizer, state, options);
    }

    @SuppressWarnings("unchecked")
    private static <O extends Optimizer.Options<O>> void load(Optimizer<O> optimizer, Map<Integer, Map<String, Tensor>> state,
            List<Object> options) {
        optimizer.loadStateDict(new Optimizer.StateDict<>(state, (List<O>) (List<?>) options));
    }

    /** The options record of class {@code type} from its JSON object, through its canonical constructor. */
    private static Object record(Path path, Class<?> type, Map<?, ?> json) {
        if (json == null) {
            throw new KilnException(path + ": a parameter group of the checkpoint has no options");
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
                case BigInteger n when c.getType() == int.class -> n.intValueExact();
                case BigInteger n when c.getType() == long.class -> n.longValueExact();
                case null, default -> throw new KilnException(path + ": option '" + c.getName() + "' of " + type.getSimpleName()
                        + " is " + v + " in the checkpoint, not a " + c.getType());
            };
        }
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            return canonical.newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof KilnException k ? k
                    : new KilnException(path + ": the checkpoint's options do not make a " + type.getSimpleName() + ": " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new KilnException(path + ": cannot make " + type.getName() + " options: " + e);
        }
    }

    private static Map<?, ?> object(Path path, String key, String text) {
        try {
            if (Json.parse(text) instanceof Map<?, ?> m) {
                return m;
            }
        } catch (Json.SyntaxError e) {
            throw new KilnException(path + ": metadata '" + key + "' is not valid JSON: " + e.getMessage());
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
