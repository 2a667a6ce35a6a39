package dev.kiln.distributed;

import dev.kiln.KilnException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * The MPI library through FFM (no JNI, no native code of Kiln's). Implementations differ in their
 * handles: Open MPI's are addresses of data symbols ({@code MPI_COMM_WORLD} is
 * {@code &ompi_mpi_comm_world}, {@code MPI_IN_PLACE} is 1), MPICH's are integer constants
 * ({@code MPI_IN_PLACE} is -1). Handles are passed as 64-bit integers either way (a pointer and an
 * int both travel in one integer register on the 64-bit ABIs Kiln runs on), so one set of method
 * handles serves both; the table is chosen by which symbols the library exports. Every call must
 * come from the one thread that initialized MPI ({@code MPI_THREAD_FUNNELED}).
 */
final class Mpi {
    static final ValueLayout.OfLong HANDLE = ValueLayout.JAVA_LONG;
    private static final Linker LINKER = Linker.nativeLinker();

    /** Which libraries are tried, in order; {@code -Dkiln.mpi.library=/path/libmpi.so} names one. */
    static final List<String> LIBRARIES = List.of("libmpi.so.40", "libmpi.so.12", "libmpi.so");

    /** One implementation's handles. */
    record Abi(String name, long commWorld, long float32, long float64, long int64, long sum, long max, MemorySegment inPlace,
            MemorySegment statusIgnore, int anySource) {
    }

    final Abi abi;
    final String library;
    private final MethodHandle initialized;
    private final MethodHandle initThread;
    private final MethodHandle commRank;
    private final MethodHandle commSize;
    private final MethodHandle iallreduce;
    private final MethodHandle ibcast;
    private final MethodHandle iallgather;
    private final MethodHandle ibarrier;
    private final MethodHandle test;
    private final MethodHandle isend;
    private final MethodHandle irecv;
    private final MethodHandle cancel;
    private final MethodHandle finalize;
    private final MethodHandle finalized;
    private final MethodHandle libraryVersion;
    private final MethodHandle processorName;

    private Mpi(SymbolLookup lib, String library) {
        this.library = library;
        this.abi = lib.find("ompi_mpi_comm_world").isPresent()
                ? new Abi("Open MPI", address(lib, "ompi_mpi_comm_world"), address(lib, "ompi_mpi_float"), address(lib, "ompi_mpi_double"),
                        address(lib, "ompi_mpi_int64_t"), address(lib, "ompi_mpi_op_sum"), address(lib, "ompi_mpi_op_max"),
                        MemorySegment.ofAddress(1), MemorySegment.NULL, -1)
                : new Abi("MPICH", 0x44000000L, 0x4c00040aL, 0x4c00080bL, 0x4c00083aL, 0x58000003L, 0x58000001L,
                        MemorySegment.ofAddress(-1), MemorySegment.ofAddress(1), -2);
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout p = ValueLayout.ADDRESS;
        initialized = handle(lib, "MPI_Initialized", FunctionDescriptor.of(i, p));
        initThread = handle(lib, "MPI_Init_thread", FunctionDescriptor.of(i, p, p, i, p));
        commRank = handle(lib, "MPI_Comm_rank", FunctionDescriptor.of(i, HANDLE, p));
        commSize = handle(lib, "MPI_Comm_size", FunctionDescriptor.of(i, HANDLE, p));
        iallreduce = handle(lib, "MPI_Iallreduce", FunctionDescriptor.of(i, p, p, i, HANDLE, HANDLE, HANDLE, p));
        ibcast = handle(lib, "MPI_Ibcast", FunctionDescriptor.of(i, p, i, HANDLE, i, HANDLE, p));
        iallgather = handle(lib, "MPI_Iallgather", FunctionDescriptor.of(i, p, i, HANDLE, p, i, HANDLE, HANDLE, p));
        ibarrier = handle(lib, "MPI_Ibarrier", FunctionDescriptor.of(i, HANDLE, p));
        test = handle(lib, "MPI_Test", FunctionDescriptor.of(i, p, p, p));
        isend = handle(lib, "MPI_Isend", FunctionDescriptor.of(i, p, i, HANDLE, i, i, HANDLE, p));
        irecv = handle(lib, "MPI_Irecv", FunctionDescriptor.of(i, p, i, HANDLE, i, i, HANDLE, p));
        cancel = handle(lib, "MPI_Cancel", FunctionDescriptor.of(i, p));
        finalize = handle(lib, "MPI_Finalize", FunctionDescriptor.of(i));
        finalized = handle(lib, "MPI_Finalized", FunctionDescriptor.of(i, p));
        libraryVersion = handle(lib, "MPI_Get_library_version", FunctionDescriptor.of(i, p, p));
        processorName = handle(lib, "MPI_Get_processor_name", FunctionDescriptor.of(i, p, p));
    }

    /** Loads the first MPI library found (a message that says what to install when none is). */
    static Mpi load() {
        String forced = System.getProperty("kiln.mpi.library");
        List<String> names = forced != null ? List.of(forced) : LIBRARIES;
        for (String name : names) {
            Optional<SymbolLookup> lib = lookup(name);
            if (lib.isPresent()) {
                return new Mpi(lib.get(), name);
            }
        }
        throw new KilnException("this process runs under an MPI launcher, but no MPI library was found (tried " + names
                + "): install Open MPI (Debian: apt-get install --no-install-recommends openmpi-bin) or MPICH, "
                + "or name the library with -Dkiln.mpi.library=/path/to/libmpi.so");
    }

    private static Optional<SymbolLookup> lookup(String name) {
        try {
            return Optional.of(SymbolLookup.libraryLookup(name, Arena.global()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static long address(SymbolLookup lib, String symbol) {
        return lib.find(symbol).orElseThrow(() -> new KilnException("the MPI library lacks " + symbol)).address();
    }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor d) {
        MemorySegment f = lib.find(name).orElseThrow(() -> new KilnException("the MPI library lacks " + name + " (MPI 3 or later is needed)"));
        return LINKER.downcallHandle(f, d);
    }

    private static int check(int rc, String call) {
        if (rc != 0) {
            throw new KilnException(call + " failed with MPI error " + rc);
        }
        return rc;
    }

    boolean initialized() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
            check((int) initialized.invokeExact(flag), "MPI_Initialized");
            return flag.get(ValueLayout.JAVA_INT, 0) != 0;
        }
    }

    /** MPI_Init_thread(FUNNELED); returns the level provided. */
    int init() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(ValueLayout.JAVA_INT);
            check((int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, 1, provided), "MPI_Init_thread");
            return provided.get(ValueLayout.JAVA_INT, 0);
        }
    }

    int rank() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            check((int) commRank.invokeExact(abi.commWorld, out), "MPI_Comm_rank");
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    int size() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            check((int) commSize.invokeExact(abi.commWorld, out), "MPI_Comm_size");
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    String version() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(8192);
            MemorySegment length = a.allocate(ValueLayout.JAVA_INT);
            check((int) libraryVersion.invokeExact(text, length), "MPI_Get_library_version");
            String v = text.getString(0);
            int nl = v.indexOf('\n');
            return (nl < 0 ? v : v.substring(0, nl)).strip();
        }
    }

    /** The name of this machine, as MPI knows it (the host name). */
    String processorName() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(1024);
            MemorySegment length = a.allocate(ValueLayout.JAVA_INT);
            check((int) processorName.invokeExact(text, length), "MPI_Get_processor_name");
            return text.getString(0);
        }
    }

    void iallreduce(MemorySegment send, MemorySegment recv, int count, long type, long op, MemorySegment request) throws Throwable {
        check((int) iallreduce.invokeExact(send, recv, count, type, op, abi.commWorld, request), "MPI_Iallreduce");
    }

    void ibcast(MemorySegment buf, int count, long type, int root, MemorySegment request) throws Throwable {
        check((int) ibcast.invokeExact(buf, count, type, root, abi.commWorld, request), "MPI_Ibcast");
    }

    void iallgather(MemorySegment send, int count, long type, MemorySegment recv, MemorySegment request) throws Throwable {
        check((int) iallgather.invokeExact(send, count, type, recv, count, type, abi.commWorld, request), "MPI_Iallgather");
    }

    void ibarrier(MemorySegment request) throws Throwable {
        check((int) ibarrier.invokeExact(abi.commWorld, request), "MPI_Ibarrier");
    }

    /** Sends {@code count} int64s to rank {@code dest} (point to point, apart from the collectives' traffic). */
    void isend(MemorySegment buf, int count, int dest, int tag, MemorySegment request) throws Throwable {
        check((int) isend.invokeExact(buf, count, abi.int64(), dest, tag, abi.commWorld, request), "MPI_Isend");
    }

    /** Receives up to {@code count} int64s from any rank. */
    void irecvAny(MemorySegment buf, int count, int tag, MemorySegment request) throws Throwable {
        check((int) irecv.invokeExact(buf, count, abi.int64(), abi.anySource, tag, abi.commWorld, request), "MPI_Irecv");
    }

    /** Marks a pending receive for cancellation; it completes (cancelled or received) on a later test. */
    void cancel(MemorySegment request) throws Throwable {
        check((int) cancel.invokeExact(request), "MPI_Cancel");
    }

    /** Whether the request has completed (MPI_Test, which also drives MPI's progress). */
    boolean test(MemorySegment request, MemorySegment flag) throws Throwable {
        check((int) test.invokeExact(request, flag, abi.statusIgnore), "MPI_Test");
        return flag.get(ValueLayout.JAVA_INT, 0) != 0;
    }

    void finish() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
            check((int) finalized.invokeExact(flag), "MPI_Finalized");
            if (flag.get(ValueLayout.JAVA_INT, 0) == 0) {
                check((int) finalize.invokeExact(), "MPI_Finalize");
            }
        }
    }
}
