package dev.kiln.codegen.jvm;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import org.objectweb.asm.ClassReader;

/**
 * With {@code -Dkiln.checkBytecode=true} (the test suite sets it), every generated class is run
 * through ASM's {@code CheckClassAdapter} before it is defined. asm-util is then needed on the
 * class path; it is looked up reflectively so the runtime does not depend on it. It sits beside the
 * emitter so that ASM's types stay inside {@code codegen.jvm}.
 */
public final class BytecodeCheck {
    public static final boolean ENABLED = Boolean.getBoolean("kiln.checkBytecode");

    private BytecodeCheck() {
    }

    /** Verifies {@code bytes} when the check is on; throws naming the class and ASM's report otherwise. */
    public static void verify(byte[] bytes, String name) {
        if (!ENABLED) {
            return;
        }
        StringWriter report = new StringWriter();
        try {
            Method verify = Class.forName("org.objectweb.asm.util.CheckClassAdapter")
                    .getMethod("verify", ClassReader.class, ClassLoader.class, boolean.class, PrintWriter.class);
            verify.invoke(null, new ClassReader(bytes), BytecodeCheck.class.getClassLoader(), false, new PrintWriter(report));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kiln.checkBytecode is set but ASM's CheckClassAdapter (asm-util) is not usable", e);
        }
        if (!report.toString().isBlank()) {
            throw new IllegalStateException("generated class " + name + " failed verification:\n" + report);
        }
    }
}
