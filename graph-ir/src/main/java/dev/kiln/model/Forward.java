package dev.kiln.model;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The forward pass of a {@link Model} class: one non-private, non-static, non-final method that
 * returns a {@code Tensor} and takes {@code Tensor}s, each of which may carry {@link Dims}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Forward {
}
