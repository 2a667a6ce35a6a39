package dev.kiln.cache;

import dev.kiln.CacheStats;
import java.lang.System.Logger.Level;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;

/**
 * A bounded, thread-safe cache of compiled work: least recently used entries are evicted past
 * the capacity. Keys are compared for equality on every hit (the hash, through {@link KeyHash},
 * only narrows the search). A key missing from the cache is built once, whatever the number of
 * threads asking for it at the same time: the others wait for that build. A build that fails
 * leaves nothing behind, and each waiter gets the failure.
 *
 * <p>Evictions are reported once (a warning naming the cache and its capacity), then at most one
 * summary line a minute with the counts; {@link #stats()} has them as data.
 */
public final class BoundedCache<K, V> {
    private static final System.Logger LOG = System.getLogger("dev.kiln.cache");
    static final long SUMMARY_NANOS = 60_000_000_000L;

    private final String name;
    private final BiConsumer<K, V> onEvict;
    private final LinkedHashMap<Key<K>, CompletableFuture<V>> map = new LinkedHashMap<>(16, 0.75f, true);
    private int capacity;
    private long hits;
    private long misses;
    private long compiles;
    private long evictions;
    private boolean warned;
    private long summaryStart;
    private long sinceSummary;

    /** A cache of at most {@code capacity} entries; {@code name} says in log lines what it holds. */
    public BoundedCache(String name, int capacity) {
        this(name, capacity, (k, v) -> { });
    }

    /** As above; {@code onEvict} is told of every built entry dropped (called with the cache locked). */
    public BoundedCache(String name, int capacity, BiConsumer<K, V> onEvict) {
        if (capacity < 1) {
            throw new IllegalArgumentException(name + ": a cache needs room for at least one entry, got " + capacity);
        }
        this.name = name;
        this.capacity = capacity;
        this.onEvict = onEvict;
    }

    /** A key with the cache's hash; equality is the key's own. */
    private record Key<K>(K key, int hash) {
        Key(K key) {
            this(key, KeyHash.of(key.hashCode()));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key<?> k && k.hash == hash && k.key.equals(key);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** The value for {@code key}, built by {@code build} (once, on this thread) if the cache has none. */
    public V get(K key, java.util.function.Function<? super K, ? extends V> build) {
        Key<K> k = new Key<>(key);
        CompletableFuture<V> f;
        boolean mine = false;
        synchronized (this) {
            f = map.get(k);
            if (f != null) {
                hits++;
            } else {
                misses++;
                mine = true;
                f = new CompletableFuture<>();
                map.put(k, f);
                trim();
            }
        }
        return mine ? buildInto(k, f, build) : await(f);
    }

    /** The value for {@code key} if one is built, else null (counted as a hit or a miss). */
    public V getIfPresent(K key) {
        Key<K> k = new Key<>(key);
        synchronized (this) {
            CompletableFuture<V> f = map.get(k);
            if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
                hits++;
                return f.join();
            }
            misses++;
            return null;
        }
    }

    /** Files {@code value} under {@code key} (replacing what is there), without counting a lookup. */
    public void put(K key, V value) {
        Key<K> k = new Key<>(key);
        synchronized (this) {
            map.put(k, CompletableFuture.completedFuture(value));
            compiles++;
            trim();
        }
    }

    private V buildInto(Key<K> k, CompletableFuture<V> f, java.util.function.Function<? super K, ? extends V> build) {
        V value;
        try {
            value = build.apply(k.key);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                map.remove(k, f);
            }
            f.completeExceptionally(e);
            throw e;
        }
        synchronized (this) {
            compiles++;
        }
        f.complete(value);
        return value;
    }

    private static <V> V await(CompletableFuture<V> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while another thread compiled the same entry", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            } else if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Sets the capacity, evicting what no longer fits. */
    public synchronized void capacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException(name + ": a cache needs room for at least one entry, got " + capacity);
        }
        this.capacity = capacity;
        trim();
    }

    /** The counts so far (no pool figures: the caller adds those). */
    public synchronized CacheStats stats() {
        return new CacheStats(hits, misses, compiles, evictions, 0);
    }

    /** The values built so far, least recently used first (a snapshot). */
    public synchronized java.util.List<V> values() {
        java.util.List<V> out = new java.util.ArrayList<>(map.size());
        for (CompletableFuture<V> f : map.values()) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                out.add(f.join());
            }
        }
        return out;
    }

    private void trim() {
        Iterator<Map.Entry<Key<K>, CompletableFuture<V>>> it = map.entrySet().iterator();
        while (map.size() > capacity && it.hasNext()) {
            Map.Entry<Key<K>, CompletableFuture<V>> eldest = it.next();
            it.remove();
            evictions++;
            CompletableFuture<V> f = eldest.getValue();
            if (f.isDone() && !f.isCompletedExceptionally()) {
                onEvict.accept(eldest.getKey().key, f.join());
            }
            report();
        }
    }

    /** The first eviction is a warning; after it, one summary line a minute at most. */
    private void report() {
        long now = System.nanoTime();
        if (!warned) {
            warned = true;
            summaryStart = now;
            LOG.log(Level.WARNING, "Kiln: " + name + " is full (" + capacity + " entries) and evicted its least"
                    + " recently used entry; evicted entries are compiled again when needed. If this repeats, raise"
                    + " the capacity. Further evictions are summarized at most once a minute.");
            return;
        }
        sinceSummary++;
        if (now - summaryStart >= SUMMARY_NANOS) {
            LOG.log(Level.WARNING, "Kiln: " + name + " evicted " + sinceSummary + " entries in the last "
                    + (now - summaryStart) / 1_000_000_000L + " s (" + evictions + " in all; capacity " + capacity + ")");
            sinceSummary = 0;
            summaryStart = now;
        }
    }
}
