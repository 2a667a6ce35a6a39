package dev.kiln.ir;

/**
 * One application of a user's custom autograd function, as the IR sees it: what kind of function it
 * is and, for a traced call, the traced forward node it stands for. The front end's
 * {@code Function} implements it for each call, so the IR needs nothing of the front end.
 */
public interface Invocation {
    /** The function's class: two calls of one class on the same types, standing for the same forward, compute the same. */
    Class<?> functionClass();

    /** The function's name for errors and graph text (an anonymous class's says where it was written). */
    default String functionName() {
        return functionClass().getSimpleName();
    }

    /** The traced forward result this call stands for (what {@code inline-calls} puts in its place), or null for an eager call. */
    Node inlinedForward();
}
