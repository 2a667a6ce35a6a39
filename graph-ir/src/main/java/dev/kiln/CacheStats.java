package dev.kiln;

/**
 * What a cache of compiled work has done ({@link CompiledFunction#stats()}): lookups that found an
 * entry ({@code hits}) or not ({@code misses}), entries built ({@code compiles}), entries dropped to
 * stay within the bound ({@code evictions}), and working-buffer sets allocated beyond the pool's bound
 * ({@code poolOverflows}: calls that ran at once on more threads than the pool keeps sets for).
 *
 * @param hits lookups that found a cached entry
 * @param misses lookups that found none
 * @param compiles entries built
 * @param evictions entries dropped to stay within the cache's bound
 * @param poolOverflows working-buffer sets allocated beyond the pool's bound
 */
public record CacheStats(long hits, long misses, long compiles, long evictions, long poolOverflows) {
}
