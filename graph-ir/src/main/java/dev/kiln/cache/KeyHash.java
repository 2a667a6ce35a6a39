package dev.kiln.cache;

/**
 * The hash every Kiln cache files its keys under. A hash only narrows the search: a hit is
 * always confirmed by comparing keys for equality. To prove that, the system property
 * {@code kiln.cache.collide=true} makes every key hash to one value, so every lookup compares
 * against every key of its bucket (slower, never wrong); CI runs the cache tests that way too.
 */
public final class KeyHash {
    private static final boolean COLLIDE = Boolean.getBoolean("kiln.cache.collide");

    private KeyHash() {
    }

    /** Whether the collision switch is on. */
    public static boolean colliding() {
        return COLLIDE;
    }

    /** {@code hash}, or 0 for every key when the collision switch is on. */
    public static int of(int hash) {
        return COLLIDE ? 0 : hash;
    }

    /** A 64-bit hash folded to an int (or 0 under the switch). */
    public static int of(long hash) {
        return COLLIDE ? 0 : (int) (hash ^ hash >>> 32);
    }

    /** One step of a structural hash: mixes {@code value} into {@code h} (a strong 64-bit mixer, murmur3's finalizer). */
    public static long mix(long h, long value) {
        long x = h * 0x9E3779B97F4A7C15L + value;
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        return x ^ x >>> 33;
    }
}
