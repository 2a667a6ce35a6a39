package dev.kiln.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The CUDA driver API through FFM: the calls Kiln makes, by their versioned symbol names
 * ({@code cuMemAlloc_v2}, ...), each checked. A context is current per OS thread, so every call is
 * made on the device's own platform thread ({@link CudaDevice}). Handles ({@code CUcontext},
 * {@code CUstream}, {@code CUmodule}, ...) are addresses; device pointers are {@code long}s.
 */
final class Driver {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    private static final int STREAM_NON_BLOCKING = 1;
    private static final int CAPTURE_MODE_THREAD_LOCAL = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor I_P = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor I_I = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor I_L = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
    private static final FunctionDescriptor I_PP = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor I_PI = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor ERROR_TEXT = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);

    private final String library;
    private final MethodHandle init;
    private final MethodHandle driverGetVersion;
    private final MethodHandle deviceGetCount;
    private final MethodHandle deviceGet;
    private final MethodHandle deviceGetName;
    private final MethodHandle deviceGetAttribute;
    private final MethodHandle deviceTotalMem;
    private final MethodHandle primaryCtxRetain;
    private final MethodHandle ctxSetCurrent;
    private final MethodHandle streamCreate;
    private final MethodHandle streamSynchronize;
    private final MethodHandle memAlloc;
    private final MethodHandle memFree;
    private final MethodHandle memGetInfo;
    private final MethodHandle memcpyHtoDAsync;
    private final MethodHandle memcpyDtoHAsync;
    private final MethodHandle memcpyDtoDAsync;
    private final MethodHandle memsetD8Async;
    private final MethodHandle moduleLoadData;
    private final MethodHandle moduleGetFunction;
    private final MethodHandle launchKernel;
    private final MethodHandle streamBeginCapture;
    private final MethodHandle streamEndCapture;
    private final MethodHandle graphInstantiate;
    private final MethodHandle graphLaunch;
    private final MethodHandle graphExecDestroy;
    private final MethodHandle graphDestroy;
    private final MethodHandle getErrorName;
    private final MethodHandle getErrorString;

    /** Binds the driver library {@code library} (a path or a soname); a {@link CudaError} names what is missing. */
    Driver(String library) {
        this.library = library;
        SymbolLookup lib;
        try {
            lib = library.contains("/") ? SymbolLookup.libraryLookup(Path.of(library), Arena.global())
                    : SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new CudaError("the CUDA driver library " + library + " was not found: " + Libraries.driverHint(), e);
        }
        init = bind(lib, "cuInit", I_I);
        driverGetVersion = bind(lib, "cuDriverGetVersion", I_P);
        deviceGetCount = bind(lib, "cuDeviceGetCount", I_P);
        deviceGet = bind(lib, "cuDeviceGet", I_PI);
        deviceGetName = bind(lib, "cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceGetAttribute = bind(lib, "cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceTotalMem = bind(lib, "cuDeviceTotalMem_v2", I_PI);
        primaryCtxRetain = bind(lib, "cuDevicePrimaryCtxRetain", I_PI);
        ctxSetCurrent = bind(lib, "cuCtxSetCurrent", I_P);
        streamCreate = bind(lib, "cuStreamCreate", I_PI);
        streamSynchronize = bind(lib, "cuStreamSynchronize", I_P);
        memAlloc = bind(lib, "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        memFree = bind(lib, "cuMemFree_v2", I_L);
        memGetInfo = bind(lib, "cuMemGetInfo_v2", I_PP);
        memcpyHtoDAsync = bind(lib, "cuMemcpyHtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        memcpyDtoHAsync = bind(lib, "cuMemcpyDtoHAsync_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        memcpyDtoDAsync = bind(lib, "cuMemcpyDtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        memsetD8Async = bind(lib, "cuMemsetD8Async", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG, ADDRESS));
        moduleLoadData = bind(lib, "cuModuleLoadData", I_PP);
        moduleGetFunction = bind(lib, "cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        launchKernel = bind(lib, "cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        streamBeginCapture = bind(lib, "cuStreamBeginCapture_v2", I_PI);
        streamEndCapture = bind(lib, "cuStreamEndCapture", I_PP);
        graphInstantiate = bind(lib, "cuGraphInstantiateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        graphLaunch = bind(lib, "cuGraphLaunch", I_PP);
        graphExecDestroy = bind(lib, "cuGraphExecDestroy", I_P);
        graphDestroy = bind(lib, "cuGraphDestroy", I_P);
        getErrorName = bind(lib, "cuGetErrorName", ERROR_TEXT);
        getErrorString = bind(lib, "cuGetErrorString", ERROR_TEXT);
    }

    private MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor d) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new CudaError("the CUDA driver library " + library + " has no " + name
                + ": Kiln needs a CUDA 12 or newer driver; " + Libraries.driverHint()));
        return LINKER.downcallHandle(symbol, d);
    }

    /** Throws a {@link CudaError} naming {@code call} and the driver's error when {@code rc} is not success. */
    void check(int rc, String call) {
        if (rc != CUDA_SUCCESS) {
            throw new CudaError(call + " failed: " + describe(rc), rc);
        }
    }

    /** The driver's name and text for a result code, as {@code CUDA_ERROR_OUT_OF_MEMORY (out of memory)}. */
    String describe(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(ADDRESS);
            MemorySegment text = a.allocate(ADDRESS);
            int n = (int) getErrorName.invokeExact(rc, name);
            int t = (int) getErrorString.invokeExact(rc, text);
            String s = n == 0 ? cString(name.get(ADDRESS, 0)) : "CUresult " + rc;
            return t == 0 ? s + " (" + cString(text.get(ADDRESS, 0)) + ")" : s;
        } catch (Throwable e) {
            return "CUresult " + rc;
        }
    }

    private static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "?" : p.reinterpret(4096).getString(0, StandardCharsets.UTF_8);
    }

    private static int invoke(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void init() {
        check(invoke(init, 0), "cuInit");
    }

    int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(invoke(driverGetVersion, v), "cuDriverGetVersion");
            return v.get(JAVA_INT, 0);
        }
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(invoke(deviceGetCount, v), "cuDeviceGetCount");
            return v.get(JAVA_INT, 0);
        }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(invoke(deviceGet, v, ordinal), "cuDeviceGet");
            return v.get(JAVA_INT, 0);
        }
    }

    String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(256);
            check(invoke(deviceGetName, v, 256, device), "cuDeviceGetName");
            return v.getString(0, StandardCharsets.UTF_8);
        }
    }

    int attribute(int attribute, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(invoke(deviceGetAttribute, v, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
            return v.get(JAVA_INT, 0);
        }
    }

    long totalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check(invoke(deviceTotalMem, v, device), "cuDeviceTotalMem_v2");
            return v.get(JAVA_LONG, 0);
        }
    }

    MemorySegment primaryContext(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(invoke(primaryCtxRetain, v, device), "cuDevicePrimaryCtxRetain");
            return v.get(ADDRESS, 0);
        }
    }

    void setCurrent(MemorySegment context) {
        check(invoke(ctxSetCurrent, context), "cuCtxSetCurrent");
    }

    MemorySegment createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(invoke(streamCreate, v, STREAM_NON_BLOCKING), "cuStreamCreate");
            return v.get(ADDRESS, 0);
        }
    }

    void synchronize(MemorySegment stream) {
        check(invoke(streamSynchronize, stream), "cuStreamSynchronize");
    }

    /** {@code bytes} of device memory; 0 when the device has not that much free (the caller may free cached blocks and retry). */
    long alloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            int rc = invoke(memAlloc, v, bytes);
            if (rc == CUDA_ERROR_OUT_OF_MEMORY) {
                return 0;
            }
            check(rc, "cuMemAlloc_v2(" + bytes + " bytes)");
            return v.get(JAVA_LONG, 0);
        }
    }

    void free(long pointer) {
        check(invoke(memFree, pointer), "cuMemFree_v2");
    }

    /** {free, total} bytes of the device. */
    long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check(invoke(memGetInfo, free, total), "cuMemGetInfo_v2");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    void copyHtoD(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyHtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyHtoDAsync_v2");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void copyDtoH(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyDtoHAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoHAsync_v2");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void copyDtoD(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyDtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoDAsync_v2");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void memset(long dst, byte value, long bytes, MemorySegment stream) {
        try {
            check((int) memsetD8Async.invokeExact(dst, value, bytes, stream), "cuMemsetD8Async");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    MemorySegment loadModule(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(invoke(moduleLoadData, v, image), "cuModuleLoadData");
            return v.get(ADDRESS, 0);
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(invoke(moduleGetFunction, v, module, a.allocateFrom(name)), "cuModuleGetFunction(" + name + ")");
            return v.get(ADDRESS, 0);
        }
    }

    /** Launches {@code function} on {@code stream}; {@code params} is the {@code void**} of its arguments. */
    int launch(MemorySegment function, int[] grid, int[] block, MemorySegment stream, MemorySegment params) {
        try {
            return (int) launchKernel.invokeExact(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, stream, params,
                    MemorySegment.NULL);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void beginCapture(MemorySegment stream) {
        check(invoke(streamBeginCapture, stream, CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture_v2");
    }

    MemorySegment endCapture(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(invoke(streamEndCapture, stream, v), "cuStreamEndCapture");
            return v.get(ADDRESS, 0);
        }
    }

    MemorySegment instantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(invoke(graphInstantiate, v, graph, 0L), "cuGraphInstantiateWithFlags");
            return v.get(ADDRESS, 0);
        }
    }

    void launchGraph(MemorySegment exec, MemorySegment stream) {
        try {
            check((int) graphLaunch.invokeExact(exec, stream), "cuGraphLaunch");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void destroyGraph(MemorySegment graph) {
        check(invoke(graphDestroy, graph), "cuGraphDestroy");
    }

    void destroyGraphExec(MemorySegment exec) {
        check(invoke(graphExecDestroy, exec), "cuGraphExecDestroy");
    }
}
