package dev.kiln.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * What the FFM bindings (the driver, NVRTC, NCCL) share: opening a library by path or soname, binding
 * its functions by name, and calling them with the method handles' {@code Throwable} unwrapped.
 */
final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final SymbolLookup lookup;
    /** The error for a function the library lacks, given its name. */
    private final Function<String, CudaError> missing;

    private NativeLibrary(SymbolLookup lookup, Function<String, CudaError> missing) {
        this.lookup = lookup;
        this.missing = missing;
    }

    /**
     * Opens {@code library}, a path (with a {@code /}) or a soname the dynamic linker finds; an
     * {@link IllegalArgumentException} when it does not load. {@code missing} makes the error for an absent function.
     */
    static NativeLibrary open(String library, Function<String, CudaError> missing) {
        SymbolLookup lookup = library.contains("/") ? SymbolLookup.libraryLookup(Path.of(library), Arena.global())
                : SymbolLookup.libraryLookup(library, Arena.global());
        return new NativeLibrary(lookup, missing);
    }

    /** A downcall handle of function {@code name}. */
    MethodHandle bind(String name, FunctionDescriptor d) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> missing.apply(name));
        return LINKER.downcallHandle(symbol, d);
    }

    /** Calls {@code h} with boxed arguments (the calls made once or rarely; hot ones use {@code invokeExact}). */
    static Object call(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (Throwable e) {
            throw unchecked(e);
        }
    }

    /** {@link #call} of a function that returns a status code. */
    static int status(MethodHandle h, Object... args) {
        return (int) call(h, args);
    }

    /** {@code e} as it may be thrown on: itself when unchecked, else wrapped (a downcall declares {@code Throwable}). */
    static RuntimeException unchecked(Throwable e) {
        if (e instanceof Error error) {
            throw error;
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
}
