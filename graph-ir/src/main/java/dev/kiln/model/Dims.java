package dev.kiln.model;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The shape a {@link Forward} argument must have, checked on every call: dimensions separated by
 * spaces, each a positive size ({@code 3}), a name bound across the call's arguments ({@code N}:
 * {@code @Dims("N 3") x} and {@code @Dims("N") y} must agree on N), or {@code *} for any size.
 * (Named {@code Dims} rather than {@code Shape}, which is {@link dev.kiln.Shape}.)
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Dims {
    /**
     * The dimensions, such as {@code "N 3"} or {@code "* C H W"}.
     *
     * @return the space-separated dimension spec
     */
    String value();
}
