package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public surface as a user's module sees it: a small module compiled on the module path against
 * the built Kiln modules may import the user API and nothing else. (Surefire runs the other tests on
 * the class path, where module exports are not enforced.)
 */
class ExportsTest {
    /** The Kiln modules, ASM and JavaPoet, as the test's class path has them (jars, or classes folders with module-info). */
    private static String modulePath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.matches(".*(graph-ir|codegen|runtime-cpu|distributed)[/\\\\]target[/\\\\].*|.*kiln-(graph-ir|codegen|runtime-cpu|distributed)-.*\\.jar"
                        + "|.*[/\\\\]asm-[0-9.]+\\.jar|.*[/\\\\]javapoet-[0-9.]+\\.jar"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private record Result(boolean ok, String diagnostics) {
    }

    private static Result compileUserModule(Path dir, String imports, String body) throws IOException {
        return compileUserModule(dir, "requires dev.kiln.cpu;", imports, body);
    }

    /** Compiles module {@code user.app} with {@code requires} as its module-info's body. */
    private static Result compileUserModule(Path dir, String requires, String imports, String body) throws IOException {
        Path src = dir.resolve("user.app");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module user.app { " + requires + " }\n");
        Files.writeString(src.resolve("app/Main.java"), "package app;\n" + imports
                + "public class Main { public static void main(String[] args) { " + body + " } }\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int status = javac.run(null, out, out, "-d", dir.resolve("out").toString(), "--module-path", modulePath(),
                src.resolve("module-info.java").toString(), src.resolve("app/Main.java").toString());
        return new Result(status == 0, out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void theModulePathHasKiln() {
        String mp = modulePath();
        for (String module : List.of("graph-ir", "codegen", "runtime-cpu", "distributed")) {
            assertTrue(mp.contains(module), module + " on " + mp);
        }
    }

    @Test
    void aUserModuleCompilesAgainstTheApi(@TempDir Path dir) throws IOException {
        Result r = compileUserModule(dir, """
                import dev.kiln.CompiledFunction;
                import dev.kiln.Kiln;
                import dev.kiln.Tensor;
                import dev.kiln.nn.Linear;
                import dev.kiln.optim.SGD;
                import dev.kiln.testing.GradCheck;
                import dev.kiln.io.Checkpoint;
                import dev.kiln.io.Safetensors;
                import dev.kiln.model.Models;
                """, """
                Linear layer = new Linear(3, 1);
                SGD opt = new SGD(layer.parameters(), 0.1, 0.9);
                CompiledFunction f = Kiln.compile(in -> layer.forward(in[0]).sum());
                System.out.println(f.call(Tensor.ones(2, 3)).item() + " " + GradCheck.defaults());
                Checkpoint.save(java.nio.file.Path.of("c.safetensors"), layer, opt);
                System.out.println(Safetensors.metadata(java.nio.file.Path.of("c.safetensors")) + " " + Models.class);
                """);
        assertTrue(r.ok(), r.diagnostics());
    }

    @Test
    void internalsAreNotVisible(@TempDir Path dir) throws IOException {
        for (String internal : List.of("dev.kiln.ir.Graph", "dev.kiln.autodiff.Autodiff", "dev.kiln.pass.Pipeline",
                "dev.kiln.cache.BoundedCache", "dev.kiln.codegen.kernel.Plan", "dev.kiln.codegen.jvm.JvmEmitter",
                "dev.kiln.cpu.CpuBackend", "dev.kiln.spi.Backend", "dev.kiln.internal.Tracing")) {
            Path d = dir.resolve(internal);
            Result r = compileUserModule(d, "import " + internal + ";\n", "System.out.println(" + internal + ".class);");
            assertFalse(r.ok(), internal + " should not be visible to a user module");
            String pkg = internal.substring(0, internal.lastIndexOf('.'));
            assertTrue(r.diagnostics().contains(pkg) && r.diagnostics().contains("not visible"), r.diagnostics());
        }
    }

    /** Distributed training is a module of its own: an application that does not require it sees none of it. */
    @Test
    void distributedIsSeenOnlyByTheModulesThatRequireIt(@TempDir Path dir) throws IOException {
        String imports = "import dev.kiln.distributed.ProcessGroup;\n";
        String body = "System.out.println(ProcessGroup.class);";
        Result without = compileUserModule(dir.resolve("without"), imports, body);
        assertFalse(without.ok(), "dev.kiln.distributed should not be visible to a module that only requires dev.kiln.cpu");
        assertTrue(without.diagnostics().contains("dev.kiln.distributed") && without.diagnostics().contains("not visible"),
                without.diagnostics());
        Result with = compileUserModule(dir.resolve("with"), "requires dev.kiln.cpu; requires dev.kiln.distributed;", imports, body);
        assertTrue(with.ok(), with.diagnostics());
        // what graph-ir exports to dev.kiln.distributed alone stays hidden from its users
        for (String internal : List.of("dev.kiln.ir.Collective", "dev.kiln.internal.Tracing", "dev.kiln.spi.TensorData")) {
            Result r = compileUserModule(dir.resolve(internal), "requires dev.kiln.distributed;", "import " + internal + ";\n",
                    "System.out.println(" + internal + ".class);");
            assertFalse(r.ok(), internal + " should not be visible to a module that requires dev.kiln.distributed");
        }
    }

    /**
     * The core (kiln-graph-ir) calls no native code, so an application grants it no native access: none of
     * its classes names a restricted method's owner or name (FFM's linker and symbol lookup, reinterpret,
     * loading a library), and the distributed package is not in it.
     */
    @Test
    void theCoreHasNoNativeAccess() throws IOException {
        Path core = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator)).map(Path::of)
                .filter(p -> p.toString().matches(".*graph-ir[/\\\\]target[/\\\\]classes|.*kiln-graph-ir-[^/\\\\]*(?<!tests)\\.jar"))
                .findFirst().orElseThrow(() -> new AssertionError("kiln-graph-ir is not on " + System.getProperty("java.class.path")));
        List<String> restricted = List.of("java/lang/foreign/Linker", "java/lang/foreign/SymbolLookup", "reinterpret",
                "withTargetLayout", "loadLibrary");
        int classes = 0;
        try (FileSystem jar = Files.isDirectory(core) ? null : FileSystems.newFileSystem(core);
                Stream<Path> files = Files.walk(jar == null ? core : jar.getPath("/"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                assertFalse(f.toString().contains("dev/kiln/distributed/"), f + " belongs in kiln-distributed");
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String name : restricted) {
                    assertFalse(text.contains(name), f + " in " + core + " uses " + name + ": native access belongs in kiln-distributed");
                }
                classes++;
            }
        }
        assertTrue(classes > 100, "only " + classes + " classes found in " + core);
    }
}
