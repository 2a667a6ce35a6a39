package dev.kiln.processor;

import java.util.List;

/**
 * A checked {@code @Model} declaration: what the generated class registers, in declaration order,
 * and the forward it wraps.
 *
 * @param packageName the class's package ("" for the unnamed one)
 * @param userType the annotated class as source names it ({@code ModuleSample.Polynomial3})
 * @param userSimpleName its simple name, for messages
 * @param generatedName the generated class's simple name ({@code ModuleSample_Polynomial3Model})
 * @param dynamic whether the training step re-traces every call
 * @param members parameters, buffers and children in declaration order
 * @param constructors the parameter lists of the class's non-private constructors
 * @param forward the {@code @Forward} method
 */
record ModelSpec(String packageName, String userType, String userSimpleName, String generatedName, boolean dynamic,
        List<Member> members, List<List<Arg>> constructors, Forward forward) {

    enum Kind { PARAM, BUFFER, CHILD }

    /**
     * A field: its registration name, shape and initial value (children: name only); fanIn sizes init
     * UNIFORM (0 for the others); dtype is a DType constant name or null.
     */
    record Member(Kind kind, String field, String name, int[] shape, String init, double value, int fanIn, String dtype) {
    }

    /** A constructor parameter: its type and its name. */
    record Arg(javax.lang.model.type.TypeMirror type, String name) {
    }

    /** The forward method: its name and its tensor arguments with their {@code @Dims} (null where none). */
    record Forward(String name, List<String> args, List<List<String>> dims) {
    }
}
