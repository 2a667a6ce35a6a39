package dev.kiln.model;

import dev.kiln.KilnException;
import dev.kiln.nn.Module;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/** Creates {@link Model} classes through their generated subclasses. */
public final class Models {
    private Models() {
    }

    /**
     * The name of the class the processor generates for {@code type}.
     *
     * @param type a {@link Model} class
     * @return the binary name of its generated class: {@code pkg.NameModel}, {@code pkg.Outer_InnerModel} for a nested one
     */
    public static String generatedName(Class<?> type) {
        String pkg = type.getPackageName();
        String simple = type.getName().substring(pkg.isEmpty() ? 0 : pkg.length() + 1).replace('$', '_');
        return (pkg.isEmpty() ? "" : pkg + ".") + simple + "Model";
    }

    /**
     * A new instance of the {@link Model} class {@code type}, by its generated {@code create} method
     * that takes {@code args} (calling {@code <Name>Model.create(...)} directly needs no reflection).
     * If the processor did not run, says how to make it run.
     *
     * @param <M> the model type
     * @param type the {@link Model} class
     * @param args the arguments of a generated {@code create} method
     * @return the new model
     * @throws KilnException if {@code type} is not a {@link Model} class, its generated class is missing or
     *     inaccessible, or no {@code create} method takes {@code args}; a {@code RuntimeException} thrown by
     *     {@code create} propagates as it is
     */
    public static <M extends Module> M create(Class<M> type, Object... args) {
        if (type == null || !type.isAnnotationPresent(Model.class)) {
            throw new KilnException("Models.create: " + (type == null ? "null" : type.getName()) + " is not a @Model class");
        }
        String name = generatedName(type);
        Class<?> generated;
        try {
            generated = Class.forName(name, true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new KilnException("Models.create: no generated class " + name + " for @Model " + type.getName()
                    + ": Kiln's annotation processor did not run. Put dev.kiln:kiln-processor on the annotation processor path"
                    + " (Maven: maven-compiler-plugin <annotationProcessorPaths>; Gradle: annotationProcessor; javac:"
                    + " -processorpath, or -proc:full when it is on the class path: since JDK 23 javac runs processors"
                    + " from the class path only then)");
        }
        for (Method m : generated.getMethods()) {
            if (m.getName().equals("create") && Modifier.isStatic(m.getModifiers()) && accepts(m.getParameterTypes(), args)) {
                try {
                    return type.cast(m.invoke(null, args));
                } catch (java.lang.reflect.InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new KilnException("Models.create: " + name + ".create failed: " + e.getCause(), e.getCause());
                } catch (IllegalAccessException e) {
                    throw new KilnException("Models.create: cannot call " + name + ".create (" + e.getMessage()
                            + "); call it directly, or open its package to dev.kiln", e);
                }
            }
        }
        throw new KilnException("Models.create: " + name + " has no create method taking " + args.length + " argument(s) of these types");
    }

    private static boolean accepts(Class<?>[] params, Object[] args) {
        if (params.length != args.length) {
            return false;
        }
        for (int i = 0; i < params.length; i++) {
            Class<?> p = params[i].isPrimitive() ? java.lang.invoke.MethodType.methodType(params[i]).wrap().returnType() : params[i];
            if (args[i] == null ? params[i].isPrimitive() : !p.isInstance(args[i])) {
                return false;
            }
        }
        return true;
    }
}
