package dev.kiln.cuda.emu;

import dev.kiln.codegen.cuda.CudaModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code nvcc -cubin -arch=sm_90} over generated modules. Machines of this project's kind have nvcc
 * (CUDA 13) on the PATH; where it is missing the tests that need it are skipped with a message
 * saying so, or fail when {@code -Dkiln.nvcc.required=true}.
 */
public final class Nvcc {
    public static final String ARCH = "sm_90";

    private Nvcc() {
    }

    /** The nvcc to use: on the PATH, or under $CUDA_HOME or /usr/local/cuda. */
    public static Optional<Path> find() {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** nvcc, or the test is skipped (failed where nvcc is required) with a message that says why. */
    public static Path require() {
        Optional<Path> nvcc = find();
        if (nvcc.isEmpty()) {
            String why = "nvcc is not on the PATH (nor under $CUDA_HOME or /usr/local/cuda): the generated CUDA C was NOT compiled";
            if (Boolean.getBoolean("kiln.nvcc.required")) {
                throw new AssertionError(why + " (kiln.nvcc.required is set)");
            }
            System.err.println("WARNING: " + why + "; install the CUDA toolkit to run this test");
            Assumptions.abort(why);
        }
        return nvcc.get();
    }

    /** Per-kernel resource lines of {@code --resource-usage}. */
    public record Usage(String kernel, int registers, int spillStores, int spillLoads) {
    }

    /**
     * Compiles one module as it is (extern "C" entries), with every warning an error ({@code -Werror
     * all-warnings}: a user who saves the text compiles it cleanly), and returns each kernel's resource usage.
     */
    public static List<Usage> compile(CudaModule module, String name) {
        Path nvcc = require();
        try {
            Path dir = Files.createTempDirectory("kiln-nvcc");
            Path cu = dir.resolve(name + ".cu");
            Files.writeString(cu, module.source());
            List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-cubin", "-arch=" + ARCH, "--resource-usage", "-Werror",
                    "all-warnings"));
            cmd.addAll(module.options());
            cmd.addAll(List.of("-o", dir.resolve(name + ".cubin").toString(), cu.toString()));
            return usage(Emulator.Tools.run(dir, cmd, 300));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Compiles many modules in one nvcc run: each in a namespace of its own, entries with C++
     * linkage ({@code KILN_ENTRY} is {@code __global__}), so equal kernel names do not collide.
     */
    public static List<Usage> compileAll(List<CudaModule> modules) {
        return compileAll(modules, List.of());
    }

    /** {@link #compileAll(List)} with every warning an error ({@code -Werror all-warnings}), as {@link #compile} does. */
    public static List<Usage> compileAllWithoutWarnings(List<CudaModule> modules) {
        return compileAll(modules, List.of("-Werror", "all-warnings"));
    }

    private static List<Usage> compileAll(List<CudaModule> modules, List<String> flags) {
        Path nvcc = require();
        StringBuilder src = new StringBuilder("#define KILN_ENTRY __global__\n");
        int i = 0;
        List<String> options = new ArrayList<>();
        for (CudaModule m : new LinkedHashSet<>(modules)) {
            src.append("namespace m").append(i++).append(" {\n").append(m.source()).append("\n}\n");
            for (String o : m.options()) {
                if (!options.contains(o)) {
                    options.add(o);
                }
            }
        }
        try {
            Path dir = Files.createTempDirectory("kiln-nvcc");
            Path cu = dir.resolve("modules.cu");
            Files.writeString(cu, src);
            List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-cubin", "-arch=" + ARCH, "--resource-usage"));
            cmd.addAll(flags);
            cmd.addAll(options);
            cmd.addAll(List.of("-o", dir.resolve("modules.cubin").toString(), cu.toString()));
            return usage(Emulator.Tools.run(dir, cmd, 600));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern FUNCTION = Pattern.compile("Function properties for (\\S+)");
    private static final Pattern SPILLS = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern REGISTERS = Pattern.compile("Used (\\d+) registers");

    private static List<Usage> usage(String out) {
        List<Usage> usages = new ArrayList<>();
        String kernel = null;
        int stores = -1;
        int loads = -1;
        for (String line : out.split("\n")) {
            Matcher f = FUNCTION.matcher(line);
            Matcher s = SPILLS.matcher(line);
            Matcher r = REGISTERS.matcher(line);
            if (f.find()) {
                kernel = f.group(1);
            } else if (s.find()) {
                stores = Integer.parseInt(s.group(1));
                loads = Integer.parseInt(s.group(2));
            } else if (r.find() && kernel != null) {
                usages.add(new Usage(kernel, Integer.parseInt(r.group(1)), stores, loads));
                kernel = null;
            }
        }
        return usages;
    }
}
