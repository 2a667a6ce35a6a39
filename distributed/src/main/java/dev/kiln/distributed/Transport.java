package dev.kiln.distributed;

import dev.kiln.DType;
import dev.kiln.ir.Collective;
import java.lang.foreign.MemorySegment;

/**
 * Moves a group's bytes: alone (one process, nothing moves) or through MPI ({@link MpiTransport}).
 * Buffers are native memory of {@code count} elements of a dtype; counts above 2³⁰ are split into
 * several calls.
 */
abstract class Transport {
    /** Elements per MPI call (MPI counts are C ints). */
    static final long CHUNK = 1L << 30;

    abstract int rank();

    abstract int size();

    abstract String describe();

    abstract void allReduce(MemorySegment buf, long count, DType t, Collective.Kind kind, String what);

    abstract void broadcast(MemorySegment buf, long count, DType t, int root, String what);

    /** {@code recv} holds {@code size()} blocks of {@code count}: block r is rank r's {@code send}. */
    abstract void allGather(MemorySegment send, long count, DType t, MemorySegment recv, String what);

    abstract void barrier(String what);

    static long bytes(DType t) {
        return switch (t) {
            case FLOAT64, INT64 -> 8;
            case FLOAT32, INT32 -> 4;
            case BOOL -> 1;
        };
    }

    /** One process: collectives are the identity. */
    static final class Alone extends Transport {
        int rank() {
            return 0;
        }

        int size() {
            return 1;
        }

        String describe() {
            return "a single process (no MPI launcher)";
        }

        void allReduce(MemorySegment buf, long count, DType t, Collective.Kind kind, String what) {
        }

        void broadcast(MemorySegment buf, long count, DType t, int root, String what) {
        }

        void allGather(MemorySegment send, long count, DType t, MemorySegment recv, String what) {
            MemorySegment.copy(send, 0, recv, 0, count * bytes(t));
        }

        void barrier(String what) {
        }
    }
}
