package dev.kiln.processor;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.tools.Diagnostic;

/**
 * Kiln's {@code @Model} processor: checks each {@code @Model} class at compile time — every rule
 * is a javac error on the offending element — and writes its {@code <Name>Model} subclass
 * ({@link ModelSource}). Registered as a service, so it runs wherever {@code kiln-processor} is on
 * the annotation processor path.
 */
public final class ModelProcessor extends AbstractProcessor {
    static final String PKG = "dev.kiln.model.";
    static final String MODEL = PKG + "Model";
    static final String PARAM = PKG + "Param";
    static final String BUFFER = PKG + "Buffer";
    static final String CHILD = PKG + "Child";
    static final String FORWARD = PKG + "Forward";
    static final String DIMS = PKG + "Dims";
    static final String TENSOR = "dev.kiln.Tensor";
    static final String MODULE = "dev.kiln.nn.Module";

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of(MODEL, PARAM, BUFFER, CHILD, FORWARD, DIMS);
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        Set<TypeElement> models = new LinkedHashSet<>();
        for (TypeElement a : annotations) {
            for (Element e : round.getElementsAnnotatedWith(a)) {
                TypeElement owner = ownerClass(e);
                if (a.getQualifiedName().contentEquals(MODEL)) {
                    models.add((TypeElement) e);
                } else if (owner == null || !isModel(owner)) {
                    error(e, "@" + a.getSimpleName() + " is only meaningful in a @Model class"
                            + (owner == null ? "" : "; annotate " + owner.getSimpleName() + " with @Model"));
                }
            }
        }
        for (TypeElement m : models) {
            ModelSpec spec = new Checker(m).check();
            if (spec != null) {
                write(m, spec);
            }
        }
        return true;
    }

    private static TypeElement ownerClass(Element e) {
        Element c = e;
        while (c != null && !(c.getKind().isClass() || c.getKind().isInterface())) {
            c = c.getEnclosingElement();
        }
        return (TypeElement) c;
    }

    private static boolean isModel(TypeElement t) {
        return annotation(t, MODEL) != null;
    }

    static AnnotationMirror annotation(Element e, String name) {
        for (AnnotationMirror m : e.getAnnotationMirrors()) {
            if (((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(name)) {
                return m;
            }
        }
        return null;
    }

    /** The value of {@code key} in {@code m}, defaults included. */
    Object value(AnnotationMirror m, String key) {
        for (var e : processingEnv.getElementUtils().getElementValuesWithDefaults(m).entrySet()) {
            if (e.getKey().getSimpleName().contentEquals(key)) {
                return e.getValue().getValue();
            }
        }
        return null;
    }

    private void error(Element e, String message) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, message, e);
    }

    private void error(Element e, AnnotationMirror a, String message) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, message, e, a);
    }

    private void write(TypeElement m, ModelSpec spec) {
        String name = spec.packageName().isEmpty() ? spec.generatedName() : spec.packageName() + "." + spec.generatedName();
        try (Writer w = processingEnv.getFiler().createSourceFile(name, m).openWriter()) {
            w.write(ModelSource.of(spec));
        } catch (IOException e) {
            error(m, "could not write " + name + ": " + e);
        }
    }

    /** The checks of one {@code @Model} class; reports every problem, returns null if there was one. */
    private final class Checker {
        private final TypeElement type;
        private boolean failed;

        Checker(TypeElement type) {
            this.type = type;
        }

        private void fail(Element e, String message) {
            failed = true;
            error(e, message);
        }

        private void fail(Element e, AnnotationMirror a, String message) {
            failed = true;
            error(e, a, message);
        }

        ModelSpec check() {
            String simple = type.getSimpleName().toString();
            if (type.getKind() != ElementKind.CLASS) {
                fail(type, "@Model goes on a class that extends dev.kiln.nn.Module, not on " + type.getKind().toString().toLowerCase());
                return null;
            }
            TypeMirror module = processingEnv.getElementUtils().getTypeElement(MODULE).asType();
            if (!processingEnv.getTypeUtils().isSubtype(processingEnv.getTypeUtils().erasure(type.asType()), module)) {
                fail(type, "a @Model class must extend dev.kiln.nn.Module");
            }
            if (type.getModifiers().contains(Modifier.FINAL)) {
                fail(type, "a @Model class cannot be final: Kiln generates its subclass " + generatedName());
            }
            if (type.getModifiers().contains(Modifier.PRIVATE)) {
                fail(type, "a @Model class cannot be private: its generated subclass must extend it");
            }
            if (type.getNestingKind() == NestingKind.MEMBER && !type.getModifiers().contains(Modifier.STATIC)) {
                fail(type, "a nested @Model class must be static");
            } else if (type.getNestingKind() == NestingKind.LOCAL || type.getNestingKind() == NestingKind.ANONYMOUS) {
                fail(type, "a @Model class must be a top-level or static nested class");
            }
            if (!type.getTypeParameters().isEmpty()) {
                fail(type, "a @Model class cannot be generic");
            }
            List<List<ModelSpec.Arg>> constructors = new ArrayList<>();
            for (Element e : type.getEnclosedElements()) {
                if (e.getKind() == ElementKind.CONSTRUCTOR && !e.getModifiers().contains(Modifier.PRIVATE)) {
                    List<ModelSpec.Arg> args = new ArrayList<>();
                    for (VariableElement p : ((ExecutableElement) e).getParameters()) {
                        args.add(new ModelSpec.Arg(p.asType(), p.getSimpleName().toString()));
                    }
                    constructors.add(args);
                }
            }
            if (constructors.isEmpty()) {
                fail(type, "a @Model class needs a constructor that is not private: " + generatedName() + " calls it");
            }
            List<ModelSpec.Member> members = new ArrayList<>();
            Map<String, Element> names = new HashMap<>();
            ModelSpec.Forward forward = null;
            ExecutableElement forwardElement = null;
            for (Element e : type.getEnclosedElements()) {
                if (e.getKind() == ElementKind.FIELD) {
                    ModelSpec.Member m = member((VariableElement) e, names);
                    if (m != null) {
                        members.add(m);
                    }
                } else if (e.getKind() == ElementKind.METHOD) {
                    ExecutableElement method = (ExecutableElement) e;
                    if (annotation(method, FORWARD) != null) {
                        if (forwardElement != null) {
                            fail(method, "a @Model class has one @Forward method; " + forwardElement.getSimpleName() + " is one already");
                            continue;
                        }
                        forwardElement = method;
                        forward = forward(method);
                    } else {
                        for (VariableElement p : method.getParameters()) {
                            AnnotationMirror dims = annotation(p, DIMS);
                            if (dims != null) {
                                fail(p, dims, "@Dims is checked on the arguments of the @Forward method only");
                            }
                        }
                    }
                }
            }
            if (forwardElement == null) {
                fail(type, "a @Model class needs a @Forward method (Tensor forward(Tensor x) { ... })");
            }
            if (failed) {
                return null;
            }
            String pkg = processingEnv.getElementUtils().getPackageOf(type).getQualifiedName().toString();
            return new ModelSpec(pkg, sourceName(pkg), simple, generatedName(),
                    Boolean.TRUE.equals(value(annotation(type, MODEL), "dynamic")), members, constructors, forward);
        }

        /** {@code Outer.Inner} relative to the package. */
        private String sourceName(String pkg) {
            String q = type.getQualifiedName().toString();
            return pkg.isEmpty() ? q : q.substring(pkg.length() + 1);
        }

        private String generatedName() {
            String pkg = processingEnv.getElementUtils().getPackageOf(type).getQualifiedName().toString();
            return sourceName(pkg).replace('.', '_') + "Model";
        }

        private ModelSpec.Member member(VariableElement f, Map<String, Element> names) {
            AnnotationMirror param = annotation(f, PARAM);
            AnnotationMirror buffer = annotation(f, BUFFER);
            AnnotationMirror child = annotation(f, CHILD);
            int count = (param != null ? 1 : 0) + (buffer != null ? 1 : 0) + (child != null ? 1 : 0);
            if (count == 0) {
                return null;
            }
            AnnotationMirror a = param != null ? param : buffer != null ? buffer : child;
            String what = "@" + a.getAnnotationType().asElement().getSimpleName();
            if (count > 1) {
                fail(f, a, "a field is one of @Param, @Buffer and @Child, not several");
                return null;
            }
            Set<Modifier> mods = f.getModifiers();
            if (mods.contains(Modifier.PRIVATE)) {
                fail(f, a, what + " field '" + f.getSimpleName() + "' cannot be private: the generated subclass "
                        + (child != null ? "reads" : "sets") + " it");
            }
            if (mods.contains(Modifier.STATIC)) {
                fail(f, a, what + " field '" + f.getSimpleName() + "' cannot be static: each model has its own");
            }
            if (child == null && mods.contains(Modifier.FINAL)) {
                fail(f, a, what + " field '" + f.getSimpleName() + "' cannot be final: the generated constructor sets it");
            }
            TypeMirror t = f.asType();
            if (child == null && !(t.getKind() == TypeKind.DECLARED && t.toString().equals(TENSOR))) {
                fail(f, a, what + " field '" + f.getSimpleName() + "' must be a dev.kiln.Tensor, not " + t);
            }
            if (child != null && !processingEnv.getTypeUtils().isSubtype(processingEnv.getTypeUtils().erasure(t),
                    processingEnv.getElementUtils().getTypeElement(MODULE).asType())) {
                fail(f, a, "@Child field '" + f.getSimpleName() + "' must be a dev.kiln.nn.Module, not " + t);
            }
            String name = (String) value(a, "name");
            if (name == null || name.isEmpty()) {
                name = f.getSimpleName().toString();
            }
            if (name.contains(".")) {
                fail(f, a, what + " name '" + name + "' contains '.': dotted names are a child's (give the child a @Child field)");
            }
            Element before = names.putIfAbsent(name, f);
            if (before != null) {
                fail(f, a, "duplicate name '" + name + "': field '" + before.getSimpleName() + "' is registered under it already");
            }
            if (child != null) {
                return new ModelSpec.Member(ModelSpec.Kind.CHILD, f.getSimpleName().toString(), name, new int[0], null, 0, 0, null);
            }
            @SuppressWarnings("unchecked")
            List<? extends AnnotationValue> dims = (List<? extends AnnotationValue>) value(a, "shape");
            int[] shape = new int[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = (Integer) dims.get(i).getValue();
                if (shape[i] <= 0) {
                    fail(f, a, what + " '" + name + "': dimension " + i + " of its shape is " + shape[i] + "; sizes are positive");
                }
            }
            String init = value(a, "init").toString();
            int fanIn = (Integer) value(a, "fanIn");
            if (init.equals("UNIFORM") && fanIn <= 0) {
                // a shape alone does not say which dimension is the input: [3, 1] used as x.matmul(w) sums 3 inputs
                fail(f, a, what + " '" + name + "': init UNIFORM draws from U(-1/sqrt(fanIn), 1/sqrt(fanIn)); give fanIn > 0,"
                        + " the number of inputs each output sums (w [in, out] used as x.matmul(w): in; a Linear-style [out, in]: in)"
                        + (fanIn < 0 ? ", not " + fanIn : ""));
            } else if (!init.equals("UNIFORM") && fanIn != 0) {
                fail(f, a, what + " '" + name + "': fanIn is for init UNIFORM, not " + init);
            }
            @SuppressWarnings("unchecked")
            List<? extends AnnotationValue> dtypes = (List<? extends AnnotationValue>) value(a, "dtype");
            String dtype = null;
            if (dtypes.size() > 1) {
                fail(f, a, what + " '" + name + "': give one dtype, not " + dtypes.size());
            } else if (dtypes.size() == 1) {
                dtype = dtypes.get(0).getValue().toString();
                if (param != null && !dtype.startsWith("FLOAT")) {
                    fail(f, a, "@Param '" + name + "': a parameter is trained, so its dtype is floating, not " + dtype);
                }
            }
            double v = ((Number) value(a, "value")).doubleValue();
            return new ModelSpec.Member(param != null ? ModelSpec.Kind.PARAM : ModelSpec.Kind.BUFFER, f.getSimpleName().toString(),
                    name, shape, init, v, fanIn, dtype);
        }

        private ModelSpec.Forward forward(ExecutableElement m) {
            Set<Modifier> mods = m.getModifiers();
            if (mods.contains(Modifier.PRIVATE) || mods.contains(Modifier.STATIC) || mods.contains(Modifier.FINAL)
                    || mods.contains(Modifier.ABSTRACT)) {
                fail(m, "the @Forward method cannot be private, static, final or abstract: the generated class overrides it");
            }
            if (!m.getReturnType().toString().equals(TENSOR)) {
                fail(m, "the @Forward method must return a dev.kiln.Tensor, not " + m.getReturnType());
            }
            if (!m.getTypeParameters().isEmpty()) {
                fail(m, "the @Forward method cannot be generic");
            }
            if (m.getParameters().isEmpty()) {
                fail(m, "the @Forward method takes at least one Tensor");
            }
            List<String> args = new ArrayList<>();
            List<List<String>> dims = new ArrayList<>();
            for (VariableElement p : m.getParameters()) {
                args.add(p.getSimpleName().toString());
                if (!p.asType().toString().equals(TENSOR)) {
                    fail(p, "arguments of the @Forward method are dev.kiln.Tensor, not " + p.asType());
                }
                AnnotationMirror d = annotation(p, DIMS);
                dims.add(d == null ? null : dims(p, d, (String) value(d, "value")));
            }
            return new ModelSpec.Forward(m.getSimpleName().toString(), args, dims);
        }

        /** The dimensions of a {@code @Dims} string: sizes, names or '*'. */
        private List<String> dims(VariableElement p, AnnotationMirror a, String spec) {
            List<String> out = new ArrayList<>();
            String trimmed = spec.trim();
            if (trimmed.isEmpty()) {
                fail(p, a, "@Dims(\"" + spec + "\") is empty; write the dimensions, e.g. @Dims(\"N 3\") (a 0-d tensor: leave @Dims off)");
                return out;
            }
            // only spaces separate dimensions, as the docs say: "N, 4" is a typo for "N 4", not a second form
            for (String d : trimmed.split(" +")) {
                if (d.equals("*") || SourceVersion.isIdentifier(d) && !SourceVersion.isKeyword(d)) {
                    out.add(d);
                } else if (d.matches("-?\\d+")) {
                    long size = Long.parseLong(d);
                    if (size <= 0 || size > Integer.MAX_VALUE) {
                        fail(p, a, "@Dims(\"" + spec + "\"): fixed sizes are positive, got " + d);
                    }
                    out.add(d);
                } else {
                    fail(p, a, "@Dims(\"" + spec + "\"): '" + d + "' is neither a size, a name nor '*'"
                            + (d.matches(".*[,;\\s].*") ? " (separate the dimensions with spaces only: @Dims(\"N 3\"))" : ""));
                }
            }
            return out;
        }
    }
}
