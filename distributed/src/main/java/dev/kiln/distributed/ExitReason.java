package dev.kiln.distributed;

import java.util.Map;

/**
 * Why this JVM is shutting down, as its shutdown hook can tell: the reason a rank gives the others
 * when it leaves the group. A signal and {@code System.exit} show in the live threads' stacks; an
 * exception that ended the main thread is recorded by a default uncaught-exception handler, chained
 * before the one there was (or printing as the JVM does when there was none).
 */
final class ExitReason {
    private static volatile Throwable mainThrew;
    private static boolean watching;

    private ExitReason() {
    }

    /** Starts recording the main thread's uncaught exception. */
    static synchronized void watch() {
        if (watching) {
            return;
        }
        watching = true;
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (t.getName().equals("main")) {
                mainThrew = e;
            }
            if (previous != null) {
                previous.uncaughtException(t, e);
            } else {
                System.err.print("Exception in thread \"" + t.getName() + "\" ");
                e.printStackTrace(System.err);
            }
        });
    }

    /** Why the JVM is exiting; called from a shutdown hook. */
    static String now() {
        String exit = null;
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            if (name.matches("SIG[A-Z0-9]+ handler")) {
                return "it was shut down by " + name.substring(0, name.indexOf(' '));
            }
            for (StackTraceElement f : e.getValue()) {
                if (f.getClassName().equals("java.lang.Runtime") && f.getMethodName().equals("exit")) {
                    exit = "it called System.exit (in thread " + name + ")";
                }
            }
        }
        if (exit != null) {
            return exit;
        }
        Throwable threw = mainThrew;
        return threw != null ? "it threw " + threw : "it returned from main";
    }
}
