package dev.kiln.model;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A child module, on a non-private, non-static field of a {@link dev.kiln.nn.Module} type that its
 * initializer sets ({@code @Child Linear head = new Linear(3, 1);}): its parameters appear as
 * {@code head.weight}, {@code head.bias}. (Java runs field initializers before the generated
 * constructor, so a child draws its random start before the class's own {@link Param}s do.)
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Child {
    /**
     * The child's name, the prefix of its parameters' state-dict names; the field's name by default.
     *
     * @return the name, or empty for the field's name
     */
    String name() default "";
}
