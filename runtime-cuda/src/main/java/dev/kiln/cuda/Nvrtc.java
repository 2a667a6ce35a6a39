package dev.kiln.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** NVRTC through FFM: CUDA C source to CUBIN for one architecture, in this process. */
final class Nvrtc {
    private static final int NVRTC_SUCCESS = 0;

    final String library;
    private final MethodHandle version;
    private final MethodHandle errorString;
    private final MethodHandle create;
    private final MethodHandle compile;
    private final MethodHandle logSize;
    private final MethodHandle log;
    private final MethodHandle cubinSize;
    private final MethodHandle cubin;
    private final MethodHandle destroy;

    private Nvrtc(String library, NativeLibrary lib) {
        this.library = library;
        version = lib.bind("nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        errorString = lib.bind("nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        create = lib.bind("nvrtcCreateProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compile = lib.bind("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        logSize = lib.bind("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        log = lib.bind("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cubinSize = lib.bind("nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cubin = lib.bind("nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        destroy = lib.bind("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    /** The first of {@code candidates} that loads, or null when none does. */
    static Nvrtc load(List<String> candidates) {
        for (String c : candidates) {
            try {
                return new Nvrtc(c, NativeLibrary.open(c, name -> new CudaError("the NVRTC library " + c + " has no " + name)));
            } catch (IllegalArgumentException e) {
                // not there: try the next name
            }
        }
        return null;
    }

    private String error(int rc) {
        try {
            MemorySegment s = (MemorySegment) errorString.invokeExact(rc);
            return s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable e) {
            return "nvrtcResult " + rc;
        }
    }

    private void check(int rc, String call) {
        if (rc != NVRTC_SUCCESS) {
            throw new CudaError(call + " failed: " + error(rc));
        }
    }

    /** "major.minor" of the library. */
    String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT);
            MemorySegment minor = a.allocate(JAVA_INT);
            check(NativeLibrary.status(version, major, minor), "nvrtcVersion");
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        }
    }

    /** The CUBIN of {@code source} for {@code options}; a compile error is a {@link CudaError} with NVRTC's log. */
    byte[] compile(String source, String name, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ADDRESS);
            check(NativeLibrary.status(create, prog, a.allocateFrom(source), a.allocateFrom(name), 0, MemorySegment.NULL, MemorySegment.NULL),
                    "nvrtcCreateProgram");
            MemorySegment p = prog.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                }
                int rc = NativeLibrary.status(compile, p, options.size(), opts);
                if (rc != NVRTC_SUCCESS) {
                    throw new CudaError("NVRTC (" + library + ") could not compile " + name + ": " + error(rc) + "\n" + log(a, p));
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                check(NativeLibrary.status(cubinSize, p, size), "nvrtcGetCUBINSize");
                MemorySegment out = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
                check(NativeLibrary.status(cubin, p, out), "nvrtcGetCUBIN");
                return out.asSlice(0, size.get(JAVA_LONG, 0)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            } finally {
                NativeLibrary.status(destroy, prog);
            }
        }
    }

    private String log(Arena a, MemorySegment p) {
        MemorySegment size = a.allocate(JAVA_LONG);
        if (NativeLibrary.status(logSize, p, size) != NVRTC_SUCCESS) {
            return "(no log)";
        }
        MemorySegment text = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        if (NativeLibrary.status(log, p, text) != NVRTC_SUCCESS) {
            return "(no log)";
        }
        return text.getString(0, StandardCharsets.UTF_8);
    }
}
