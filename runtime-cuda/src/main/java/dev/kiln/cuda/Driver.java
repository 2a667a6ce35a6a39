package dev.kiln.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

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

    private static final FunctionDescriptor I_P = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor I_I = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor I_L = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
    private static final FunctionDescriptor I_PP = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor I_PI = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor ERROR_TEXT = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);

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
        NativeLibrary lib;
        try {
            lib = NativeLibrary.open(library, name -> new CudaError("the CUDA driver library " + library + " has no " + name
                    + ": Kiln needs a CUDA 12 or newer driver; " + Libraries.driverHint()));
        } catch (IllegalArgumentException e) {
            throw new CudaError("the CUDA driver library " + library + " was not found: " + Libraries.driverHint(), e);
        }
        init = lib.bind("cuInit", I_I);
        driverGetVersion = lib.bind("cuDriverGetVersion", I_P);
        deviceGetCount = lib.bind("cuDeviceGetCount", I_P);
        deviceGet = lib.bind("cuDeviceGet", I_PI);
        deviceGetName = lib.bind("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceGetAttribute = lib.bind("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceTotalMem = lib.bind("cuDeviceTotalMem_v2", I_PI);
        primaryCtxRetain = lib.bind("cuDevicePrimaryCtxRetain", I_PI);
        ctxSetCurrent = lib.bind("cuCtxSetCurrent", I_P);
        streamCreate = lib.bind("cuStreamCreate", I_PI);
        streamSynchronize = lib.bind("cuStreamSynchronize", I_P);
        memAlloc = lib.bind("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        memFree = lib.bind("cuMemFree_v2", I_L);
        memGetInfo = lib.bind("cuMemGetInfo_v2", I_PP);
        memcpyHtoDAsync = lib.bind("cuMemcpyHtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        memcpyDtoHAsync = lib.bind("cuMemcpyDtoHAsync_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        memcpyDtoDAsync = lib.bind("cuMemcpyDtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        memsetD8Async = lib.bind("cuMemsetD8Async", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG, ADDRESS));
        moduleLoadData = lib.bind("cuModuleLoadData", I_PP);
        moduleGetFunction = lib.bind("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        launchKernel = lib.bind("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        streamBeginCapture = lib.bind("cuStreamBeginCapture_v2", I_PI);
        streamEndCapture = lib.bind("cuStreamEndCapture", I_PP);
        graphInstantiate = lib.bind("cuGraphInstantiateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        graphLaunch = lib.bind("cuGraphLaunch", I_PP);
        graphExecDestroy = lib.bind("cuGraphExecDestroy", I_P);
        graphDestroy = lib.bind("cuGraphDestroy", I_P);
        getErrorName = lib.bind("cuGetErrorName", ERROR_TEXT);
        getErrorString = lib.bind("cuGetErrorString", ERROR_TEXT);
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

    void init() {
        check(NativeLibrary.status(init, 0), "cuInit");
    }

    int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(NativeLibrary.status(driverGetVersion, v), "cuDriverGetVersion");
            return v.get(JAVA_INT, 0);
        }
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(NativeLibrary.status(deviceGetCount, v), "cuDeviceGetCount");
            return v.get(JAVA_INT, 0);
        }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(NativeLibrary.status(deviceGet, v, ordinal), "cuDeviceGet");
            return v.get(JAVA_INT, 0);
        }
    }

    String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(256);
            check(NativeLibrary.status(deviceGetName, v, 256, device), "cuDeviceGetName");
            return v.getString(0, StandardCharsets.UTF_8);
        }
    }

    int attribute(int attribute, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(NativeLibrary.status(deviceGetAttribute, v, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
            return v.get(JAVA_INT, 0);
        }
    }

    long totalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check(NativeLibrary.status(deviceTotalMem, v, device), "cuDeviceTotalMem_v2");
            return v.get(JAVA_LONG, 0);
        }
    }

    MemorySegment primaryContext(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(NativeLibrary.status(primaryCtxRetain, v, device), "cuDevicePrimaryCtxRetain");
            return v.get(ADDRESS, 0);
        }
    }

    void setCurrent(MemorySegment context) {
        check(NativeLibrary.status(ctxSetCurrent, context), "cuCtxSetCurrent");
    }

    MemorySegment createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(NativeLibrary.status(streamCreate, v, STREAM_NON_BLOCKING), "cuStreamCreate");
            return v.get(ADDRESS, 0);
        }
    }

    void synchronize(MemorySegment stream) {
        check(NativeLibrary.status(streamSynchronize, stream), "cuStreamSynchronize");
    }

    /** {@code bytes} of device memory; 0 when the device has not that much free (the caller may free cached blocks and retry). */
    long alloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            int rc = NativeLibrary.status(memAlloc, v, bytes);
            if (rc == CUDA_ERROR_OUT_OF_MEMORY) {
                return 0;
            }
            check(rc, "cuMemAlloc_v2(" + bytes + " bytes)");
            return v.get(JAVA_LONG, 0);
        }
    }

    void free(long pointer) {
        check(NativeLibrary.status(memFree, pointer), "cuMemFree_v2");
    }

    /** {free, total} bytes of the device. */
    long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check(NativeLibrary.status(memGetInfo, free, total), "cuMemGetInfo_v2");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    void copyHtoD(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyHtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyHtoDAsync_v2");
        } catch (Throwable e) {
            throw NativeLibrary.unchecked(e);
        }
    }

    void copyDtoH(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyDtoHAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoHAsync_v2");
        } catch (Throwable e) {
            throw NativeLibrary.unchecked(e);
        }
    }

    void copyDtoD(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyDtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoDAsync_v2");
        } catch (Throwable e) {
            throw NativeLibrary.unchecked(e);
        }
    }

    void memset(long dst, byte value, long bytes, MemorySegment stream) {
        try {
            check((int) memsetD8Async.invokeExact(dst, value, bytes, stream), "cuMemsetD8Async");
        } catch (Throwable e) {
            throw NativeLibrary.unchecked(e);
        }
    }

    MemorySegment loadModule(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(NativeLibrary.status(moduleLoadData, v, image), "cuModuleLoadData");
            return v.get(ADDRESS, 0);
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(NativeLibrary.status(moduleGetFunction, v, module, a.allocateFrom(name)), "cuModuleGetFunction(" + name + ")");
            return v.get(ADDRESS, 0);
        }
    }

    /** Launches {@code function} on {@code stream}; {@code params} is the {@code void**} of its arguments. */
    int launch(MemorySegment function, int[] grid, int[] block, MemorySegment stream, MemorySegment params) {
        try {
            return (int) launchKernel.invokeExact(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, stream, params,
                    MemorySegment.NULL);
        } catch (Throwable e) {
            throw NativeLibrary.unchecked(e);
        }
    }

    void beginCapture(MemorySegment stream) {
        check(NativeLibrary.status(streamBeginCapture, stream, CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture_v2");
    }

    MemorySegment endCapture(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(NativeLibrary.status(streamEndCapture, stream, v), "cuStreamEndCapture");
            return v.get(ADDRESS, 0);
        }
    }

    MemorySegment instantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check(NativeLibrary.status(graphInstantiate, v, graph, 0L), "cuGraphInstantiateWithFlags");
            return v.get(ADDRESS, 0);
        }
    }

    void launchGraph(MemorySegment exec, MemorySegment stream) {
        try {
            check((int) graphLaunch.invokeExact(exec, stream), "cuGraphLaunch");
        } catch (Throwable e) {
            throw NativeLibrary.unchecked(e);
        }
    }

    void destroyGraph(MemorySegment graph) {
        check(NativeLibrary.status(graphDestroy, graph), "cuGraphDestroy");
    }

    void destroyGraphExec(MemorySegment exec) {
        check(NativeLibrary.status(graphExecDestroy, exec), "cuGraphExecDestroy");
    }
}
