package dev.kiln.model;

import dev.kiln.DType;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A trainable parameter: a non-private, non-final, non-static {@code Tensor} field of a {@link Model}
 * class, registered under the field's name (or {@link #name}) in declaration order.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Param {
    /**
     * The parameter's shape.
     *
     * @return the sizes; empty (the default) for a 0-d parameter
     */
    int[] shape() default {};

    /**
     * How the parameter starts.
     *
     * @return the init; {@link Init#RANDN} by default
     */
    Init init() default Init.RANDN;

    /**
     * The value of {@link Init#CONSTANT}.
     *
     * @return the fill value; 0 by default
     */
    double value() default 0;

    /**
     * The fan-in of {@link Init#UNIFORM}, which it needs (and no other init takes): how many inputs each
     * output sums over. For {@code w} of shape {@code [in, out]} used as {@code x.matmul(w)} it is
     * {@code in}; for a {@code Linear}-style weight {@code [out, in]} it is {@code in} too.
     *
     * @return the fan-in; 0 (the default) where the init takes none
     */
    int fanIn() default 0;

    /**
     * The dtype; none given means the thread's default floating dtype when the model is created.
     *
     * @return at most one dtype; empty (the default) for the default dtype
     */
    DType[] dtype() default {};

    /**
     * The state-dict name; the field's name by default.
     *
     * @return the name, or empty for the field's name
     */
    String name() default "";
}
