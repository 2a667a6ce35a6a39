package dev.kiln.cuda.emu;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cuda.LaunchArguments;
import dev.kiln.spi.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link CudaPlan}s without a GPU: their modules' CUDA C, with Kiln's {@code kiln_emu.h} in
 * front, compiled for the host by {@code g++} into one shared library (each module in a namespace
 * of its own, each entry behind a launcher {@code kiln_launch_<module>_<entry>(grid, block, void** args)}
 * that takes its arguments as {@code cuLaunchKernel} does), loaded through FFM, and run over
 * off-heap buffers: one per plan buffer, plus the slots, the scratch and the status words.
 * Test support only: nothing a user's application loads.
 */
public final class Emulator implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor LAUNCHER = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);

    private final Arena arena = Arena.ofShared();
    private final Map<String, String> namespaceOf = new HashMap<>();
    private final SymbolLookup library;
    private final Map<String, MethodHandle> handles = new HashMap<>();
    /** Seconds g++ took. */
    public final double compileSeconds;

    private Emulator(Path so, Map<String, String> namespaces, double seconds) {
        this.library = SymbolLookup.libraryLookup(so, arena);
        this.namespaceOf.putAll(namespaces);
        this.compileSeconds = seconds;
    }

    /** Whether {@code g++} is on the PATH. */
    public static boolean available() {
        return Tools.onPath("g++");
    }

    /** Compiles the distinct modules among {@code modules} into one library. */
    public static Emulator compile(List<CudaModule> modules) {
        Map<String, String> namespaces = new LinkedHashMap<>();
        StringBuilder src = new StringBuilder("#include \"kiln_emu.h\"\n");
        for (CudaModule m : modules) {
            if (namespaces.containsKey(m.source())) {
                continue;
            }
            String ns = "m" + namespaces.size();
            namespaces.put(m.source(), ns);
            src.append("\nnamespace ").append(ns).append(" {\n").append(m.source()).append('\n');
            for (CudaModule.Entry e : m.entries()) {
                src.append("static void kiln_run_").append(e.name()).append("(void** a) {\n    ").append(e.name()).append('(');
                for (int i = 0; i < e.params().size(); i++) {
                    src.append(i == 0 ? "" : ", ").append("*reinterpret_cast<").append(e.params().get(i).type()).append("*>(a[").append(i).append("])");
                }
                src.append(");\n}\n");
                src.append("extern \"C\" int kiln_launch_").append(ns).append('_').append(e.name())
                        .append("(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, void** a) {\n")
                        .append("    return kiln_emu::launch(dim3(gx, gy, gz), dim3(bx, by, bz), kiln_run_").append(e.name()).append(", a);\n}\n");
            }
            src.append("}  // namespace ").append(ns).append('\n');
        }
        try {
            Path dir = Files.createTempDirectory("kiln-emu");
            try (InputStream h = Emulator.class.getResourceAsStream("kiln_emu.h")) {
                Files.write(dir.resolve("kiln_emu.h"), h.readAllBytes());
            }
            Path cpp = dir.resolve("modules.cpp");
            Files.writeString(cpp, src, StandardCharsets.UTF_8);
            Path so = dir.resolve("libkilnemu.so");
            long t0 = System.nanoTime();
            Tools.run(dir, List.of("g++", "-std=c++20", "-O0", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared", "-pthread",
                    "-w", "-o", so.toString(), cpp.toString()), 600);
            return new Emulator(so, namespaces, (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean contains(CudaModule m) {
        return namespaceOf.containsKey(m.source());
    }

    private MethodHandle launcher(String ns, String entry) {
        return handles.computeIfAbsent(ns + "_" + entry, k -> LINKER.downcallHandle(
                library.find("kiln_launch_" + k).orElseThrow(() -> new IllegalStateException("no launcher for " + k)), LAUNCHER));
    }

    /** Runs the plan on {@code inputs} (in plan input order) and returns copies of its outputs. */
    public List<TensorData> run(CudaPlan cuda, List<TensorData> inputs) {
        String ns = namespaceOf.get(cuda.module().source());
        if (ns == null) {
            throw new IllegalArgumentException("this module was not compiled into the emulator");
        }
        Plan plan = cuda.plan();
        try (Arena run = Arena.ofConfined()) {
            MemorySegment[] buffers = new MemorySegment[plan.buffers().size()];
            for (int i = 0; i < buffers.length; i++) {
                Plan.Buffer b = plan.buffers().get(i);
                buffers[i] = run.allocate(Math.max(8, b.shape().numelLong() * size(b.dtype())), 16);
            }
            for (int i = 0; i < inputs.size(); i++) {
                write(buffers[plan.inputs().get(i)], plan.buffers().get(plan.inputs().get(i)).dtype(), inputs.get(i));
            }
            MemorySegment slots = run.allocate(8L * Math.max(1, plan.scalarSlots()), 16);
            MemorySegment scratch = run.allocate(8L * Math.max(1, cuda.scratchDoubles()), 16);
            MemorySegment status = run.allocate(16, 16);
            LaunchArguments.Memory memory = new LaunchArguments.Memory(buffers, slots, scratch, status);
            for (CudaPlan.Launch l : cuda.launches()) {
                CudaModule.Entry e = cuda.module().entry(l.entry());
                MemorySegment args = LaunchArguments.pack(run, l, e, memory);
                int rc;
                try {
                    rc = (int) launcher(ns, l.entry()).invokeExact(l.grid()[0], l.grid()[1], l.grid()[2], l.block()[0], l.block()[1],
                            l.block()[2], args);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                if (rc != 0) {
                    throw new AssertionError("divergent __syncthreads() in " + l);
                }
            }
            long failed = status.get(ValueLayout.JAVA_LONG, 0);
            if (failed != 0) {
                int step = (int) failed - 1;
                Plan.Step s = plan.steps().get(step);
                String op = s instanceof Plan.OpStep o ? o.op().name() : "step " + step;
                throw new KilnException(op + ": index or exponent " + status.get(ValueLayout.JAVA_LONG, 8)
                        + " is out of range (plan step " + step + ", on the device)");
            }
            List<TensorData> out = new ArrayList<>();
            for (int o : plan.outputs()) {
                Plan.Buffer b = plan.buffers().get(o);
                out.add(read(buffers[o], b));
            }
            return out;
        }
    }

    static long size(DType d) {
        return switch (d) {
            case FLOAT64, INT64 -> 8;
            case FLOAT32, INT32 -> 4;
            case BOOL -> 1;
        };
    }

    /** Writes {@code t}'s elements in row-major order. */
    private static void write(MemorySegment s, DType d, TensorData t) {
        long n = t.shape().numelLong();
        TensorData dense = TensorData.allocate(t.shape(), t.dtype());
        dense.copyFrom(t);
        for (int i = 0; i < n; i++) {
            switch (d) {
                case FLOAT64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, dense.storage().getDouble(i));
                case FLOAT32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) dense.storage().getDouble(i));
                case INT64 -> s.setAtIndex(ValueLayout.JAVA_LONG, i, dense.storage().getLong(i));
                case INT32 -> s.setAtIndex(ValueLayout.JAVA_INT, i, (int) dense.storage().getLong(i));
                case BOOL -> s.set(ValueLayout.JAVA_BYTE, i, (byte) (dense.storage().getLong(i) != 0 ? 1 : 0));
            }
        }
    }

    private static TensorData read(MemorySegment s, Plan.Buffer b) {
        TensorData t = TensorData.allocate(b.shape(), b.dtype());
        long n = b.shape().numelLong();
        for (int i = 0; i < n; i++) {
            switch (b.dtype()) {
                case FLOAT64 -> t.storage().setDouble(i, s.getAtIndex(ValueLayout.JAVA_DOUBLE, i));
                case FLOAT32 -> t.storage().setDouble(i, s.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                case INT64 -> t.storage().setLong(i, s.getAtIndex(ValueLayout.JAVA_LONG, i));
                case INT32 -> t.storage().setLong(i, s.getAtIndex(ValueLayout.JAVA_INT, i));
                case BOOL -> t.storage().setLong(i, s.get(ValueLayout.JAVA_BYTE, i));
            }
        }
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Running external tools with a time limit. */
    public static final class Tools {
        private Tools() {
        }

        public static boolean onPath(String tool) {
            String path = System.getenv("PATH");
            if (path == null) {
                return false;
            }
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, tool))) {
                    return true;
                }
            }
            return false;
        }

        /** Runs {@code command} in {@code dir}; returns its output, or throws with it when the command fails. */
        public static String run(Path dir, List<String> command, int timeoutSeconds) {
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " took more than " + timeoutSeconds + " s");
                }
                String text = new String(out, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new AssertionError(String.join(" ", command.subList(0, Math.min(3, command.size()))) + " failed ("
                            + p.exitValue() + ") in " + dir + ":\n" + text.lines().limit(60).reduce("", (x, y) -> x + y + "\n"));
                }
                return text;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
