package dev.kiln.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * NCCL through FFM: the calls Kiln makes, each checked. The library is {@code -Dkiln.cuda.nccl=PATH},
 * else {@code KILN_CUDA_NCCL}, else {@code libnccl.so.2} (the nvidia-nccl wheel's, or the system's)
 * by the dynamic linker's search. NCCL uses the context current on the calling thread, so every call
 * is made on the device's thread, and every collective is queued on the device's stream.
 */
final class Nccl {
    static final String PROPERTY = "kiln.cuda.nccl";
    static final String ENV = "KILN_CUDA_NCCL";
    static final String DEFAULT = "libnccl.so.2";

    /** ncclResult_t. */
    static final int SUCCESS = 0;
    static final int INVALID_ARGUMENT = 4;
    static final int INVALID_USAGE = 5;
    /** ncclDataType_t. */
    static final int INT32 = 2;
    static final int INT64 = 4;
    static final int FLOAT32 = 7;
    static final int FLOAT64 = 8;
    /** ncclRedOp_t ({@code ncclAvg} since NCCL 2.10). */
    static final int SUM = 0;
    static final int MAX = 2;
    static final int AVG = 4;

    /** {@code ncclUniqueId}: {@code char internal[NCCL_UNIQUE_ID_BYTES]}, passed by value to ncclCommInitRank. */
    static final int UNIQUE_ID_BYTES = 128;
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal"));

    private static final Map<String, Nccl> LOADED = new ConcurrentHashMap<>();

    private final String library;
    private final MethodHandle getVersion;
    private final MethodHandle getUniqueId;
    private final MethodHandle commInitRank;
    private final MethodHandle allReduce;
    private final MethodHandle broadcast;
    private final MethodHandle allGather;
    private final MethodHandle commDestroy;
    private final MethodHandle getErrorString;

    /** Binds {@code library} (a path or a soname); a {@link CudaError} names what is missing and how to point Kiln at it. */
    Nccl(String library) {
        this.library = library;
        NativeLibrary lib;
        try {
            lib = NativeLibrary.open(library, name -> new CudaError("the NCCL library " + library + " has no " + name
                    + ": Kiln needs NCCL 2.10 or newer; " + hint()));
        } catch (IllegalArgumentException e) {
            throw new CudaError("the NCCL library " + library + " was not found: " + hint(), e);
        }
        getVersion = lib.bind("ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getUniqueId = lib.bind("ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commInitRank = lib.bind("ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT));
        allReduce = lib.bind("ncclAllReduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        broadcast = lib.bind("ncclBroadcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        allGather = lib.bind("ncclAllGather", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        commDestroy = lib.bind("ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getErrorString = lib.bind("ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /** The library this JVM's settings name, bound once per path; a missing one is looked for again on the next call. */
    static Nccl load() {
        String lib = System.getProperty(PROPERTY);
        if (lib == null || lib.isBlank()) {
            lib = System.getenv(ENV);
        }
        return LOADED.computeIfAbsent(lib == null || lib.isBlank() ? DEFAULT : lib, Nccl::new);
    }

    /** How to point Kiln at NCCL, for error messages. */
    static String hint() {
        return "install NCCL (pip install nvidia-nccl-cu12, or the system's libnccl2), or point Kiln at libnccl.so.2 with -D" + PROPERTY
                + "=PATH or " + ENV + "=PATH";
    }

    /** The library's path or soname, as given. */
    String library() {
        return library;
    }

    /** {@code ncclGetVersion}: the version code, as {@code 22105} for 2.21.5. */
    int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(NativeLibrary.status(getVersion, v), "ncclGetVersion");
            return v.get(JAVA_INT, 0);
        }
    }

    /** The version code as text: {@code 2.21.5} (codes below 2.9 count the minor in hundreds, not in hundreds of thousands). */
    static String versionText(int code) {
        return code >= 10000 ? code / 10000 + "." + code % 10000 / 100 + "." + code % 100 : code / 1000 + "." + code % 1000 / 100 + "." + code % 100;
    }

    /** {@code ncclGetUniqueId}: a fresh id's 128 bytes. */
    byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check(NativeLibrary.status(getUniqueId, id), "ncclGetUniqueId");
            return id.toArray(JAVA_BYTE);
        }
    }

    /** {@code ncclCommInitRank}: this rank's communicator of the group {@code id} (blocks until every rank has called it). */
    MemorySegment commInitRank(int nranks, byte[] id, int rank) {
        if (id.length != UNIQUE_ID_BYTES) {
            throw new CudaError("an NCCL unique id has " + UNIQUE_ID_BYTES + " bytes, got " + id.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comm = a.allocate(ADDRESS);
            MemorySegment value = a.allocate(UNIQUE_ID);
            MemorySegment.copy(id, 0, value, JAVA_BYTE, 0, id.length);
            check(NativeLibrary.status(commInitRank, comm, nranks, value, rank), "ncclCommInitRank(nranks " + nranks + ", rank " + rank + ")");
            return comm.get(ADDRESS, 0);
        }
    }

    /** {@code ncclAllReduce} of {@code count} elements from {@code send} into {@code recv} (device addresses), queued on {@code stream}. */
    void allReduce(long send, long recv, long count, int type, int op, MemorySegment comm, MemorySegment stream) {
        check(NativeLibrary.status(allReduce, MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), count, type, op, comm, stream), "ncclAllReduce");
    }

    /** {@code ncclBroadcast} of {@code count} elements of rank {@code root}'s {@code send} into every rank's {@code recv}. */
    void broadcast(long send, long recv, long count, int type, int root, MemorySegment comm, MemorySegment stream) {
        check(NativeLibrary.status(broadcast, MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), count, type, root, comm, stream), "ncclBroadcast");
    }

    /** {@code ncclAllGather}: {@code recv} holds every rank's {@code sendCount} elements, in rank order. */
    void allGather(long send, long recv, long sendCount, int type, MemorySegment comm, MemorySegment stream) {
        check(NativeLibrary.status(allGather, MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), sendCount, type, comm, stream), "ncclAllGather");
    }

    /** {@code ncclCommDestroy}. */
    void commDestroy(MemorySegment comm) {
        check(NativeLibrary.status(commDestroy, comm), "ncclCommDestroy");
    }

    /** Throws a {@link CudaError} naming {@code call} and NCCL's error when {@code rc} is not success. */
    void check(int rc, String call) {
        if (rc != SUCCESS) {
            throw new CudaError(call + " failed: " + describe(rc), rc);
        }
    }

    /** NCCL's text for a result code, as {@code ncclInvalidUsage (5): invalid usage}. */
    String describe(int rc) {
        String name = switch (rc) {
            case 1 -> "ncclUnhandledCudaError";
            case 2 -> "ncclSystemError";
            case 3 -> "ncclInternalError";
            case INVALID_ARGUMENT -> "ncclInvalidArgument";
            case INVALID_USAGE -> "ncclInvalidUsage";
            case 6 -> "ncclRemoteError";
            case 7 -> "ncclInProgress";
            default -> "ncclResult_t";
        };
        try {
            MemorySegment text = (MemorySegment) getErrorString.invokeExact(rc);
            return text.equals(MemorySegment.NULL) ? name + " (" + rc + ")"
                    : name + " (" + rc + "): " + text.reinterpret(4096).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable e) {
            return name + " (" + rc + ")";
        }
    }
}
