package dev.kiln.model;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import java.util.HashMap;
import java.util.Map;

/** What generated {@link Model} classes call: initial values, child checks, and shape checks. Not for direct use. */
public final class ModelSupport {
    private ModelSupport() {
    }

    /**
     * The initial value of a parameter or buffer, drawn from the thread's default generator;
     * {@code fanIn} sizes {@link Init#UNIFORM}'s range (the others ignore it).
     *
     * @param init how to start
     * @param value the fill value of {@link Init#CONSTANT}
     * @param fanIn the fan-in of {@link Init#UNIFORM}
     * @param shape the shape
     * @param dtype the dtype, or null for the thread's default dtype
     * @return the new tensor
     * @throws KilnException if {@code init} is {@link Init#UNIFORM} and {@code fanIn} is not positive
     */
    public static Tensor init(Init init, double value, int fanIn, Shape shape, DType dtype) {
        DType d = dtype != null ? dtype : Kiln.defaultDtype();
        return switch (init) {
            case RANDN -> Tensor.randn(shape, d, Kiln.defaultGenerator());
            case UNIFORM -> {
                if (fanIn <= 0) {
                    throw new KilnException("init UNIFORM draws from U(-1/sqrt(fanIn), 1/sqrt(fanIn)): fanIn must be positive, got " + fanIn);
                }
                double bound = 1 / Math.sqrt(fanIn);
                yield Tensor.rand(shape, d, Kiln.defaultGenerator()).mul(2 * bound).sub(bound);
            }
            case ZEROS -> Tensor.zeros(shape, d);
            case ONES -> Tensor.ones(shape, d);
            case CONSTANT -> Tensor.full(shape, value, d);
        };
    }

    /**
     * An ordered, unmodifiable map of names to shapes.
     *
     * @param namesAndShapes alternating {@code String} names and {@link Shape}s:
     *     {@code "a", Shape.of(), "w", Shape.of(3, 1), ...}
     * @return the map, in the order given
     */
    public static java.util.Map<String, Shape> shapes(Object... namesAndShapes) {
        java.util.Map<String, Shape> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < namesAndShapes.length; i += 2) {
            out.put((String) namesAndShapes[i], (Shape) namesAndShapes[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * Checks that a compiled entry point got {@code n} tensors.
     *
     * @param entry the entry point's name, for the message
     * @param in the tensors it got
     * @param n how many it takes
     * @throws KilnException if {@code in} holds another number of tensors
     */
    public static void arity(String entry, Tensor[] in, int n) {
        if (in.length != n) {
            throw new KilnException(entry + " takes " + n + " tensor(s), got " + in.length);
        }
    }

    /**
     * A {@link Child} field's module, which its initializer must have set.
     *
     * @param <M> the module type
     * @param model the model class's simple name, for the message
     * @param field the field's name, for the message
     * @param module the field's value
     * @return {@code module}
     * @throws KilnException if {@code module} is null
     */
    public static <M extends Module> M child(String model, String field, M module) {
        if (module == null) {
            throw new KilnException(model + ": @Child field '" + field + "' is null; give it an initializer (" + field
                    + " = new ...)");
        }
        return module;
    }

    /** The sizes bound to named dimensions during one forward call's checks. */
    public static final class Dims {
        private final String method;
        private Map<String, Integer> bound;
        private Map<String, String> boundBy;

        /**
         * No names bound yet.
         *
         * @param method the forward method's name ({@code Class.method}), for messages
         */
        public Dims(String method) {
            this.method = method;
        }

        /**
         * Checks argument {@code name} against {@code spec} (already validated by the processor), binding names.
         *
         * @param name the argument's name, for messages
         * @param t the argument
         * @param spec one entry per dimension: a size, a name or {@code *}
         * @return this, to check the next argument
         * @throws KilnException if {@code t} is null, its rank or a fixed size differs, or a named dimension's
         *     size differs from the size it was first bound to
         */
        public Dims check(String name, Tensor t, String... spec) {
            if (t == null) {
                throw new KilnException(method + ": argument '" + name + "' is null");
            }
            Shape s = t.shape();
            if (s.rank() != spec.length) {
                throw new KilnException(method + ": argument '" + name + "' must have " + spec.length + " dimension(s) ["
                        + String.join(" ", spec) + "], got shape " + s);
            }
            for (int i = 0; i < spec.length; i++) {
                String d = spec[i];
                int size = s.dim(i);
                if (d.equals("*")) {
                    continue;
                }
                if (Character.isDigit(d.charAt(0))) {
                    if (size != Integer.parseInt(d)) {
                        throw new KilnException(method + ": dimension " + i + " of argument '" + name + "' must be " + d
                                + ", got " + size + " (shape " + s + ")");
                    }
                    continue;
                }
                if (bound == null) {
                    bound = new HashMap<>();
                    boundBy = new HashMap<>();
                }
                Integer before = bound.putIfAbsent(d, size);
                if (before == null) {
                    boundBy.put(d, name);
                } else if (before != size) {
                    throw new KilnException(method + ": dimension " + d + " is " + before + " in argument '" + boundBy.get(d)
                            + "' but " + size + " in argument '" + name + "' (shape " + s + ")");
                }
            }
            return this;
        }
    }
}
