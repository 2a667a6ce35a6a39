package dev.kiln;

import java.util.Set;

/**
 * An error in how Kiln is used: a shape, dtype or device mismatch, an autograd misuse. The
 * message ends with the user's own source line, looked up only when the error is thrown.
 */
public class KilnException extends RuntimeException {
    // Every package of Kiln's library modules (KilnPackagesTest checks it against the sources); the samples,
    // the benchmarks and the tests are users of Kiln, so their frames are user lines.
    private static final Set<String> KILN_PACKAGES = Set.of(
            "dev.kiln", "dev.kiln.cache", "dev.kiln.spi", "dev.kiln.testing", "dev.kiln.internal", "dev.kiln.ir", "dev.kiln.autodiff",
            "dev.kiln.pass", "dev.kiln.nn", "dev.kiln.optim", "dev.kiln.io", "dev.kiln.io.tensorboard", "dev.kiln.model", "dev.kiln.data", "dev.kiln.distributed",
            "dev.kiln.cpu", "dev.kiln.cpu.viz", "dev.kiln.cuda", "dev.kiln.codegen", "dev.kiln.codegen.kernel",
            "dev.kiln.codegen.jvm", "dev.kiln.codegen.cuda", "dev.kiln.processor", "dev.kiln.onnx");
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** {@code File.java:line} of the user's frame, or null: see {@link #site()}. */
    private final String userSite;

    /**
     * An error found here; the user's source line is appended to the message.
     *
     * @param message what is wrong, naming what was expected and what was got
     */
    public KilnException(String message) {
        this(message, userSite());
    }

    /**
     * An error caused by another exception (a user's own, an I/O failure), which stays its cause with its stack trace.
     *
     * @param message what went wrong
     * @param cause the exception that caused it
     */
    public KilnException(String message, Throwable cause) {
        this(message, userSite());
        initCause(cause);
    }

    /**
     * An error found after the fact, at a site recorded earlier (anomaly mode).
     *
     * @param message what is wrong
     * @param site the recorded user site, {@code File.java:line}, appended to the message; null for none
     */
    public KilnException(String message, String site) {
        super(site == null ? message : message + " (at " + site + ")");
        this.userSite = site;
    }

    /**
     * The user's source line this error names.
     *
     * @return {@code File.java:line} of the user's frame that led here, or null if there is none
     */
    public String site() {
        return userSite;
    }

    /**
     * Finds the calling user's source line: the first frame of the current stack outside Kiln's library packages,
     * the JDK, generated {@code @Model} classes and backends.
     *
     * @return that frame as {@code File.java:42}, or null if every frame is Kiln's or the JDK's
     */
    public static String userSite() {
        return WALKER.walk(frames -> frames
                .filter(f -> !isLibraryFrame(f.getDeclaringClass()))
                .findFirst()
                .map(f -> f.getFileName() + ":" + f.getLineNumber())
                .orElse(null));
    }

    /** A class Kiln's {@code @Model} processor generated (its frames are Kiln's, not the user's). */
    private static boolean generated(Class<?> c) {
        Class<?> s = c.getSuperclass();
        return s != null && s.isAnnotationPresent(dev.kiln.model.Model.class) && c.getSimpleName().endsWith("Model");
    }

    /** Whether frames of this package are Kiln's own (never the user's line). */
    static boolean isKilnPackage(String pkg) {
        return KILN_PACKAGES.contains(pkg);
    }

    private static boolean isLibraryFrame(Class<?> c) {
        String pkg = c.getPackageName();
        return isKilnPackage(pkg) || pkg.startsWith("java.") || pkg.startsWith("jdk.")
                || pkg.startsWith("sun.") || generated(c) || backend(c.getNestHost()) || backend(c);
    }

    /** Code of a backend from outside Kiln's packages (a device runtime, a test's backend): Kiln's side, not the user's. */
    private static boolean backend(Class<?> c) {
        return dev.kiln.spi.Backend.class.isAssignableFrom(c) || dev.kiln.spi.Storage.class.isAssignableFrom(c)
                || dev.kiln.spi.Executable.class.isAssignableFrom(c) || dev.kiln.spi.Executable.Run.class.isAssignableFrom(c);
    }
}
