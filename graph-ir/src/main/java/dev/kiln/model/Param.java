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
    /** The shape; empty for a 0-d parameter. */
    int[] shape() default {};

    Init init() default Init.RANDN;

    /** The value of {@link Init#CONSTANT}. */
    double value() default 0;

    /**
     * The fan-in of {@link Init#UNIFORM}, which it needs (and no other init takes): how many inputs each
     * output sums over. For {@code w} of shape {@code [in, out]} used as {@code x.matmul(w)} it is
     * {@code in}; for a {@code Linear}-style weight {@code [out, in]} it is {@code in} too.
     */
    int fanIn() default 0;

    /** The dtype; none given means the thread's default floating dtype when the model is created. */
    DType[] dtype() default {};

    /** The state-dict name; the field's name by default. */
    String name() default "";
}
