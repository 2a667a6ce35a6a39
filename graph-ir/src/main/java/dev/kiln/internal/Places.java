package dev.kiln.internal;

import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import dev.kiln.optim.Optimizer;
import java.lang.ref.WeakReference;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names of tensors by their place in the user's program, for {@code Kiln.explain} and the graph viewer:
 * a parameter or buffer by its path from its top module ({@code fc1.weight}, as {@code state_dict()} names it),
 * its gradient with {@code .grad} added, an optimizer's state and hyper-parameters as its state dict names
 * them ({@code optimizer.state.0.exp_avg}, {@code optimizer.param_groups.0.lr}). Modules and optimizers
 * are noted weakly as they are built; names are worked out only when asked, so tracing pays nothing.
 */
public final class Places {
    private static final List<WeakReference<Module>> MODULES = new ArrayList<>();
    private static final List<WeakReference<Optimizer<?>>> OPTIMIZERS = new ArrayList<>();

    private Places() {
    }

    /** Notes a module as it is built. */
    public static void noteModule(Module m) {
        synchronized (MODULES) {
            add(MODULES, m);
        }
    }

    /** Notes an optimizer as it is built. */
    public static void noteOptimizer(Optimizer<?> o) {
        synchronized (OPTIMIZERS) {
            add(OPTIMIZERS, o);
        }
    }

    /** Adds {@code o}, first dropping collected entries when the list has doubled since the last sweep. */
    private static <T> void add(List<WeakReference<T>> list, T o) {
        if (list.size() >= 64 && Integer.bitCount(list.size()) == 1) {
            list.removeIf(r -> r.get() == null);
        }
        list.add(new WeakReference<>(o));
    }

    /**
     * The names of those of {@code tensors} that have a place now: the parameters, buffers and gradients
     * of each top module (one that no other live module holds as a child), then the optimizers' state
     * and hyper-parameters. A tensor with two places keeps the first (modules in the order they were
     * built). Where the tensors come from more than one top module (a GAN's generator and discriminator),
     * each path starts with its module's class ({@code Generator.0.weight}); likewise {@code optimizer}
     * becomes {@code optimizer#1}, {@code optimizer#2} in the order the optimizers were built.
     */
    public static Map<Tensor, String> names(List<Tensor> tensors) {
        Set<Tensor> wanted = Collections.newSetFromMap(new IdentityHashMap<>());
        wanted.addAll(tensors);
        List<Module> modules = live(MODULES);
        Set<Module> children = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Module m : modules) {
            children.addAll(m.children());
        }
        Map<Tensor, String> paths = new IdentityHashMap<>();
        Map<Tensor, Object> owners = new IdentityHashMap<>();
        for (Module m : modules) {
            if (children.contains(m)) {
                continue;
            }
            m.namedParameters().forEach((name, p) -> {
                place(wanted, paths, owners, m, p, name);
                if (p.grad() != null) {
                    place(wanted, paths, owners, m, p.grad(), name + ".grad");
                }
            });
            m.namedBuffers().forEach((name, b) -> place(wanted, paths, owners, m, b, name));
        }
        for (Optimizer<?> o : live(OPTIMIZERS)) {
            int index = 0;
            List<? extends Optimizer.ParamGroup<?>> groups = o.paramGroups();
            for (int g = 0; g < groups.size(); g++) {
                Optimizer.ParamGroup<?> group = groups.get(g);
                for (Tensor p : group.params()) {
                    String state = "state." + index++ + ".";
                    o.state(p).forEach((key, t) -> place(wanted, paths, owners, o, t, state + key));
                }
                for (RecordComponent c : group.options().getClass().getRecordComponents()) {
                    if (c.getType() == double.class) {
                        place(wanted, paths, owners, o, group.hyper(c.getName()), "param_groups." + g + "." + c.getName());
                    }
                }
            }
        }
        Map<Object, String> prefixes = prefixes(owners.values());
        Map<Tensor, String> names = new IdentityHashMap<>();
        paths.forEach((t, path) -> names.put(t, prefixes.get(owners.get(t)) + path));
        return names;
    }

    private static void place(Set<Tensor> wanted, Map<Tensor, String> paths, Map<Tensor, Object> owners, Object owner, Tensor t, String path) {
        if (wanted.contains(t) && !paths.containsKey(t)) {
            paths.put(t, path);
            owners.put(t, owner);
        }
    }

    /** Each owner's prefix: none for a lone module, its class for one of several; "optimizer." or "optimizer#k.". */
    private static Map<Object, String> prefixes(java.util.Collection<Object> owners) {
        List<Object> distinct = new ArrayList<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Object o : owners) {
            if (seen.add(o)) {
                distinct.add(o);
            }
        }
        List<Object> modules = distinct.stream().filter(o -> o instanceof Module).sorted(java.util.Comparator.comparingInt(Places::order)).toList();
        List<Object> optimizers = distinct.stream().filter(o -> o instanceof Optimizer<?>).sorted(java.util.Comparator.comparingInt(Places::order)).toList();
        Map<Object, String> prefixes = new IdentityHashMap<>();
        Map<String, Integer> classes = new java.util.HashMap<>();
        for (Object m : modules) {
            classes.merge(ModuleCalls.typeName((Module) m), 1, Integer::sum);
        }
        Map<String, Integer> seenOfClass = new java.util.HashMap<>();
        for (Object m : modules) {
            String type = ModuleCalls.typeName((Module) m);
            int k = seenOfClass.merge(type, 1, Integer::sum);
            prefixes.put(m, modules.size() == 1 ? "" : classes.get(type) == 1 ? type + "." : type + "#" + k + ".");
        }
        for (int k = 0; k < optimizers.size(); k++) {
            prefixes.put(optimizers.get(k), optimizers.size() == 1 ? "optimizer." : "optimizer#" + (k + 1) + ".");
        }
        return prefixes;
    }

    /** When a module or optimizer was noted, for a stable order. */
    private static int order(Object o) {
        List<? extends WeakReference<?>> list = o instanceof Module ? MODULES : OPTIMIZERS;
        synchronized (list) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).get() == o) {
                    return i;
                }
            }
        }
        return Integer.MAX_VALUE;
    }

    private static <T> List<T> live(List<WeakReference<T>> list) {
        List<T> out = new ArrayList<>();
        synchronized (list) {
            for (WeakReference<T> r : list) {
                T o = r.get();
                if (o != null) {
                    out.add(o);
                }
            }
        }
        return out;
    }
}
