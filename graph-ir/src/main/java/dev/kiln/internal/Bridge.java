package dev.kiln.internal;

/** Initializes the API class that installs a bridge's implementation, the first time the bridge is used. */
final class Bridge {
    private Bridge() {
    }

    static void initialize(String className) {
        try {
            Class.forName(className, true, Bridge.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
