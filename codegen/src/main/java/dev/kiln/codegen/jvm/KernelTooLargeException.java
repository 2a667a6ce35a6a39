package dev.kiln.codegen.jvm;

/** A kernel whose bytecode would pass the JVM's 64 KB method limit; the plan must split its loops further. */
public final class KernelTooLargeException extends RuntimeException {
    public KernelTooLargeException(String kernel, Throwable cause) {
        super("kernel " + kernel + " exceeds the JVM's 64 KB method limit", cause);
    }
}
