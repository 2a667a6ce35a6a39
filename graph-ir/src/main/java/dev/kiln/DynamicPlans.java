package dev.kiln;

import dev.kiln.spi.Executable;

import dev.kiln.cache.BoundedCache;
import dev.kiln.ir.Graph;
import dev.kiln.ir.TraceTree;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dynamic mode's plans: every call is traced (replaying the tree of earlier traces while the calls
 * repeat), and the trace's structure, compared node by node, finds the compiled plan in a bounded
 * LRU. An evicted plan's branches of the tree are pruned. Used under the owning function's trace lock.
 */
final class DynamicPlans {
    private final TraceTree tree = new TraceTree();
    /** Where in the tree the traces of each cached structure end (pruned on eviction). */
    private final Map<Graph.Structure, List<TraceTree.Step>> ends = new HashMap<>();
    private final BoundedCache<Key, Executable> byStructure;

    /** A plan's cache key: the trace's structure and the device it runs on. */
    private record Key(Graph.Structure structure, Device device) {
        static Key of(Traced traced) {
            return new Key(traced.key, traced.device);
        }
    }
    private String lastText;

    DynamicPlans(int capacity) {
        this.byStructure = new BoundedCache<>("a dynamic compiled function's plan cache", capacity, (k, v) -> forget(k.structure()));
    }

    Traced trace(MultiStep fn, Tensor[] inputs) {
        return Tracer.trace(fn, inputs, tree, (key, end) -> ends.computeIfAbsent(key, k -> new ArrayList<>()).add(end));
    }

    /** The cached plan of this trace's structure, or null. */
    Executable find(Traced traced) {
        return byStructure.getIfPresent(Key.of(traced));
    }

    /** Files a compiled structure; {@code text} is its graph's text form (to explain later misses). */
    void add(Traced traced, Executable exe, String text) {
        byStructure.put(Key.of(traced), exe);
        lastText = text;
    }

    /** The text of the most recently compiled structure, or null: what a miss is explained against. */
    String nearestText() {
        return lastText;
    }

    /** Unhooks an evicted structure's plan from the trace tree, and the branches only it used. */
    private void forget(Graph.Structure key) {
        for (TraceTree.Step end : ends.getOrDefault(key, List.of())) {
            if (end.attachment() instanceof Tracer.Ending e && e.key().equals(key)) {
                tree.prune(end);
            }
        }
        ends.remove(key);
    }

    int recordedSteps() {
        return tree.size();
    }

    void capacity(int plans) {
        byStructure.capacity(plans);
    }

    List<Executable> all() {
        return byStructure.values();
    }

    long evictions() {
        return byStructure.stats().evictions();
    }
}
