package dev.kiln.cuda;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A caching allocator of device memory, as PyTorch's: a freed block goes to a free list by size
 * and the next request of that size (or up to twice smaller) takes it, so a training loop stops calling
 * {@code cuMemAlloc} after its first steps. Sizes round up to 512 bytes; requests up to 1 MiB are cut
 * from 2 MiB segments (one {@code cuMemAlloc} serves thousands of small tensors, such as a step's
 * loss), larger ones get a {@code cuMemAlloc} of their own. When the device is full, the
 * cached blocks are freed and the request tried again; then the JVM is asked to collect garbage (a
 * tensor's device memory is given back when its storage is collected) and it is tried once more.
 *
 * <p>{@link #allocate} and {@link #emptyCache} run on the device's thread; {@link #release} may run on
 * any thread (the cleaner's): released blocks wait in a queue until the device thread next allocates.
 * The device's single stream orders every use of a block before its reuse.
 */
final class Allocator {
    static final long ROUND = 512;

    static final long SMALL = 1 << 20;
    static final long SEGMENT = 2 << 20;

    /** A block of device memory; small ones belong to a segment, freed only when none of its blocks is in use. */
    record Block(long pointer, long bytes, Segment segment) {
    }

    /** One {@code cuMemAlloc} of {@link #SEGMENT} bytes that small blocks are cut from. */
    static final class Segment {
        final long pointer;
        long used;
        int live;

        Segment(long pointer) {
            this.pointer = pointer;
        }
    }

    private final Driver driver;
    private final TreeMap<Long, ArrayDeque<Block>> free = new TreeMap<>();
    private final ConcurrentLinkedQueue<Block> released = new ConcurrentLinkedQueue<>();
    private long inUse;
    private long cached;
    private long peak;
    private long deviceAllocations;
    private Segment current;

    Allocator(Driver driver) {
        this.driver = driver;
    }

    static long round(long bytes) {
        return Math.max(ROUND, (bytes + ROUND - 1) / ROUND * ROUND);
    }

    /** A block of at least {@code bytes}; a {@link CudaError} with code 2 (out of memory) when the device cannot give it. */
    Block allocate(long bytes) {
        long size = round(bytes);
        drain();
        Block b = reuse(size);
        if (b == null) {
            b = size <= SMALL ? cut(size) : fresh(size);
        }
        if (b.segment() != null) {
            b.segment().live++;
        }
        inUse += b.bytes();
        peak = Math.max(peak, inUse);
        return b;
    }

    private Block reuse(long size) {
        Map.Entry<Long, ArrayDeque<Block>> e = free.ceilingEntry(size);
        if (e == null || e.getKey() > 2 * size) {
            return null;
        }
        Block b = e.getValue().pop();
        if (e.getValue().isEmpty()) {
            free.remove(e.getKey());
        }
        cached -= b.bytes();
        return b;
    }

    private Block cut(long size) {
        if (current == null || current.used + size > SEGMENT) {
            if (current != null && SEGMENT - current.used >= ROUND) {
                // the rest of the old segment is a free block like any other
                Block rest = new Block(current.pointer + current.used, SEGMENT - current.used, current);
                current.used = SEGMENT;
                cache(rest);
            }
            current = new Segment(fresh(SEGMENT).pointer());
        }
        Block b = new Block(current.pointer + current.used, size, current);
        current.used += size;
        return b;
    }

    private Block fresh(long size) {
        long p = driver.alloc(size);
        if (p == 0) {
            emptyCache();
            p = driver.alloc(size);
        }
        if (p == 0) {
            // device memory of tensors nobody holds comes back when the JVM collects their storages
            System.gc();
            waitForCleaners();
            drain();
            Block b = reuse(size);
            if (b != null) {
                return b;
            }
            emptyCache();
            p = driver.alloc(size);
        }
        if (p == 0) {
            long[] info = driver.memoryInfo();
            throw new CudaError("CUDA out of memory: tried to allocate " + size + " bytes; the device has " + info[0] + " of " + info[1]
                    + " bytes free, and Kiln holds " + inUse + " bytes in tensors and buffers", Driver.CUDA_ERROR_OUT_OF_MEMORY);
        }
        deviceAllocations++;
        return new Block(p, size, null);
    }

    private static void waitForCleaners() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Gives {@code b} back, from any thread; it is reused from the device thread's next allocation. */
    void release(Block b) {
        released.add(b);
    }

    /** Gives a block back on the device thread itself. */
    void releaseNow(Block b) {
        inUse -= b.bytes();
        if (b.segment() != null) {
            b.segment().live--;
        }
        cache(b);
    }

    private void cache(Block b) {
        cached += b.bytes();
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b);
    }

    private void drain() {
        for (Block b; (b = released.poll()) != null; ) {
            releaseNow(b);
        }
    }

    /** Frees every cached block, and every segment none of whose blocks is in use ({@code torch.cuda.empty_cache()}). */
    void emptyCache() {
        drain();
        TreeMap<Long, ArrayDeque<Block>> kept = new TreeMap<>();
        java.util.Set<Segment> freed = new java.util.HashSet<>();
        for (ArrayDeque<Block> blocks : free.values()) {
            for (Block b : blocks) {
                if (b.segment() == null) {
                    driver.free(b.pointer());
                    cached -= b.bytes();
                } else if (b.segment().live == 0 && b.segment() != current) {
                    if (freed.add(b.segment())) {
                        driver.free(b.segment().pointer);
                    }
                    cached -= b.bytes();
                } else {
                    kept.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b);
                }
            }
        }
        free.clear();
        free.putAll(kept);
    }

    /** {in use, cached, peak in use, cuMemAlloc calls}. */
    long[] stats() {
        drain();
        return new long[] {inUse, cached, peak, deviceAllocations};
    }
}
