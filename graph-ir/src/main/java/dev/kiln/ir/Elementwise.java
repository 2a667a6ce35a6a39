package dev.kiln.ir;

/**
 * The elementwise primitives: each output element is a function of the inputs' elements at the same
 * position (inputs of one shape). Emitters switch over this sealed type, so a new elementwise
 * primitive fails to compile until each emits it, and no switch lists "every other primitive".
 */
public sealed interface Elementwise extends Op permits Unary, Binary, Compare, Where, Cast {
}
