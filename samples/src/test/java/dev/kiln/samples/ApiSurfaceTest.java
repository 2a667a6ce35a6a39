package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The user API names only user types: no public or protected member of a class in a package the
 * core exports to everyone takes, returns, throws or extends a type from a package it does not (the
 * IR, the backend SPI, the internal bridge, another Kiln module's internals). {@link ExportsTest}
 * shows a user module cannot import those packages; this shows the exported classes do not hand them out.
 */
class ApiSurfaceTest {
    /** The core module, dev.kiln, from graph-ir's classes folder or jar on the test's class path. */
    private static ModuleReference core() {
        Path[] entries = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.matches(".*graph-ir[/\\\\]target[/\\\\]classes.*|.*kiln-graph-ir-[^/\\\\]*\\.jar"))
                .map(Path::of).toArray(Path[]::new);
        return ModuleFinder.of(entries).find("dev.kiln").orElseThrow(() -> new AssertionError(
                "graph-ir's module not on " + System.getProperty("java.class.path")));
    }

    private static Set<String> exportedToAll(ModuleDescriptor d) {
        return d.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
    }

    /** Every class a user can name: public (or protected nested) classes of the exported packages. */
    private static List<Class<?>> apiClasses(ModuleReference core, Set<String> exported) throws IOException {
        List<Class<?>> classes = new ArrayList<>();
        try (ModuleReader reader = core.open(); Stream<String> names = reader.list()) {
            for (String name : names.filter(n -> n.endsWith(".class") && !n.endsWith("module-info.class")).toList()) {
                String binary = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                if (!exported.contains(binary.substring(0, binary.lastIndexOf('.')))) {
                    continue;
                }
                try {
                    Class<?> c = Class.forName(binary, false, ApiSurfaceTest.class.getClassLoader());
                    if (visible(c)) {
                        classes.add(c);
                    }
                } catch (ClassNotFoundException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return classes;
    }

    private static boolean visible(Class<?> c) {
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
            return false;
        }
        int m = c.getModifiers();
        boolean open = Modifier.isPublic(m) || c.getEnclosingClass() != null && Modifier.isProtected(m);
        return open && (c.getEnclosingClass() == null || visible(c.getEnclosingClass()));
    }

    private static boolean visible(Member m) {
        return !m.isSynthetic() && (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers()));
    }

    /** "Tensor.data() returns dev.kiln.spi.TensorData" for each internal type the API's members name. */
    private static Set<String> leaks(List<Class<?>> classes, Set<String> exported) {
        Set<String> leaks = new TreeSet<>();
        for (Class<?> c : classes) {
            String owner = c.getName().substring(c.getPackageName().length() + 1).replace('$', '.');
            check(c.getGenericSuperclass(), exported, owner + " extends", leaks);
            for (Type t : c.getGenericInterfaces()) {
                check(t, exported, owner + " implements", leaks);
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f)) {
                    check(f.getGenericType(), exported, owner + "." + f.getName() + " is", leaks);
                }
            }
            List<Executable> members = new ArrayList<>(Arrays.asList(c.getDeclaredMethods()));
            members.addAll(Arrays.asList(c.getDeclaredConstructors()));
            for (Executable e : members) {
                if (!visible(e) || e instanceof Method m && m.isBridge()) {
                    continue;
                }
                String name = owner + "." + (e instanceof Constructor<?> ? "<init>" : e.getName()) + "()";
                if (e instanceof Method m) {
                    check(m.getGenericReturnType(), exported, name + " returns", leaks);
                }
                for (Type p : e.getGenericParameterTypes()) {
                    check(p, exported, name + " takes", leaks);
                }
                for (Type x : e.getGenericExceptionTypes()) {
                    check(x, exported, name + " throws", leaks);
                }
            }
        }
        return leaks;
    }

    private static void check(Type t, Set<String> exported, String where, Set<String> leaks) {
        walk(t, new HashSet<>(), c -> {
            String pkg = c.getPackageName();
            if (pkg.startsWith("dev.kiln") && !exported.contains(pkg)) {
                leaks.add(where + " " + c.getName());
            }
        });
    }

    /** Every class a generic type mentions: arrays' elements, type arguments, wildcard and variable bounds. */
    private static void walk(Type t, Set<TypeVariable<?>> seen, java.util.function.Consumer<Class<?>> each) {
        switch (t) {
            case null -> { }
            case Class<?> c when c.isArray() -> walk(c.getComponentType(), seen, each);
            case Class<?> c -> each.accept(c);
            case ParameterizedType p -> {
                walk(p.getRawType(), seen, each);
                walk(p.getOwnerType(), seen, each);
                for (Type a : p.getActualTypeArguments()) {
                    walk(a, seen, each);
                }
            }
            case GenericArrayType g -> walk(g.getGenericComponentType(), seen, each);
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    walk(b, seen, each);
                }
                for (Type b : w.getLowerBounds()) {
                    walk(b, seen, each);
                }
            }
            case TypeVariable<?> v -> {
                if (seen.add(v)) {
                    for (Type b : v.getBounds()) {
                        walk(b, seen, each);
                    }
                }
            }
            default -> throw new AssertionError("a kind of type this test does not know: " + t);
        }
    }

    @Test
    void theUserApiNamesNoInternalType() throws IOException {
        ModuleReference core = core();
        Set<String> exported = exportedToAll(core.descriptor());
        List<Class<?>> classes = apiClasses(core, exported);
        assertTrue(classes.contains(dev.kiln.Tensor.class) && classes.contains(dev.kiln.Function.Context.class)
                && classes.contains(dev.kiln.nn.Module.class), "the scan found the API: " + classes);
        assertEquals(Set.of(), leaks(classes, exported));
    }

    @Test
    void theScanFindsALeak() {
        // the check itself can fail: Linear as seen from a module that exported only dev.kiln.nn
        Set<String> leaks = leaks(List.of(dev.kiln.nn.Linear.class), Set.of("dev.kiln.nn"));
        assertTrue(leaks.contains("Linear.forward() takes dev.kiln.Tensor")
                && leaks.contains("Linear.forward() returns dev.kiln.Tensor"), leaks.toString());
    }

    /** A subclass of {@code Function} sees forward, backward and the context's save and needs-grad methods; no IR. */
    @Test
    void aFunctionSubclassSeesOnlyForwardAndBackward() {
        assertEquals(Set.of("apply", "forward", "backward", "onceDifferentiable"), members(dev.kiln.Function.class));
        assertEquals(Set.of("saveForBackward", "savedTensors", "needsInputGrad"), members(dev.kiln.Function.Context.class));
        assertEquals(List.of(), List.of(dev.kiln.Function.Context.class.getInterfaces()));
        assertTrue(Arrays.stream(dev.kiln.Function.class.getDeclaredClasses()).filter(ApiSurfaceTest::visible)
                .allMatch(c -> c == dev.kiln.Function.Context.class));
        Set<String> tensor = members(dev.kiln.Tensor.class);
        assertTrue(!tensor.contains("data") && !tensor.contains("wrap"), "Tensor.data and Tensor.wrap are not public");
    }

    private static Set<String> members(Class<?> c) {
        return Arrays.stream(c.getDeclaredMethods()).filter(ApiSurfaceTest::visible).map(Method::getName)
                .collect(Collectors.toSet());
    }
}
