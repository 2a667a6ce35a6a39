package dev.kiln.model;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an abstract {@link dev.kiln.nn.Module} subclass whose parameters, buffers, children and
 * forward are declared with {@link Param}, {@link Buffer}, {@link Child}, {@link Forward} and
 * {@link Dims}. Kiln's annotation processor ({@code dev.kiln:kiln-processor}, on the annotation
 * processor path) checks the declaration at compile time and generates {@code <Name>Model}, a final
 * subclass that registers everything in declaration order without reflection, checks input shapes,
 * and offers compiled entry points.
 * Create one with {@code <Name>Model.create(...)} or {@link Models#create}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Model {
    /**
     * Whether {@code trainingStep} re-traces every call (forward has data-dependent control flow), as
     * {@code CompiledFunction.Mode.DYNAMIC}.
     *
     * @return true for a dynamic training step; false (the default) for a static one
     */
    boolean dynamic() default false;
}
