package dev.kiln;

import dev.kiln.cache.BoundedCache;
import dev.kiln.ir.TensorType;
import java.util.ArrayList;
import java.util.List;

/**
 * Static mode's plans: one trace per input signature (the arguments' shapes, dtypes and devices, compared
 * in full) and per state of the trace's guards (which gradients were null, which tensors required
 * grad, each module's train/eval mode), in a bounded LRU of signatures whose plans are themselves
 * an LRU list of the same bound. Used under the owning function's trace lock.
 */
final class StaticPlans {
    /** The arguments' types and devices, as a cache key. */
    record Signature(List<TensorType> types, List<Device> devices) {
        static Signature of(Tensor[] inputs) {
            TensorType[] types = new TensorType[inputs.length];
            Device[] devices = new Device[inputs.length];
            for (int i = 0; i < types.length; i++) {
                types[i] = inputs[i].type();
                devices[i] = inputs[i].device();
            }
            return new Signature(List.of(types), List.of(devices));
        }

        boolean matches(Tensor[] inputs) {
            if (inputs.length != types.size()) {
                return false;
            }
            for (int i = 0; i < inputs.length; i++) {
                TensorType t = types.get(i);
                Device d = devices.get(i);
                Device here = inputs[i].device();
                if (inputs[i].dtype() != t.dtype() || !inputs[i].shape().equals(t.shape()) || here != d && !here.equals(d)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            boolean allCpu = devices.stream().allMatch(Device.CPU::equals);
            return allCpu ? types.toString() : types + " on " + devices;
        }
    }

    private final BoundedCache<Signature, List<BoundPlan>> bySignature;
    /** The last call's signature and its plans, so a repeat skips hashing the signature. */
    private Signature last;
    private List<BoundPlan> lastPlans;
    /** The most plans one signature keeps (those of other guard states), as the most signatures. */
    private int capacity;
    private long guardEvictions;

    StaticPlans(int capacity) {
        this.capacity = capacity;
        this.bySignature = new BoundedCache<>("a compiled function's static plan cache", capacity, (k, v) -> {
            if (k.equals(last)) {
                last = null;
                lastPlans = null;
            }
        });
    }

    /** The plans traced for these arguments' signature (an empty list to add to on a new one). */
    List<BoundPlan> plansFor(Tensor[] inputs) {
        if (last != null && last.matches(inputs)) {
            return lastPlans;
        }
        Signature s = Signature.of(inputs);
        lastPlans = bySignature.get(s, k -> new ArrayList<>(1));
        last = s;
        return lastPlans;
    }

    /** The signature of the arguments last looked up. */
    Signature lastSignature() {
        return last;
    }

    /** The first of {@code plans} whose guards hold (moved to the front: most recently used), or null. */
    BoundPlan find(List<BoundPlan> plans) {
        for (int i = 0; i < plans.size(); i++) {
            BoundPlan p = plans.get(i);
            if (p.guardsHold()) {
                if (i > 0) {
                    plans.remove(i);
                    plans.addFirst(p);
                }
                return p;
            }
        }
        return null;
    }

    /** Files a new plan of one signature; its least recently used plan goes past the bound. */
    void add(List<BoundPlan> plans, BoundPlan plan) {
        plans.addFirst(plan);
        trim(plans);
    }

    private void trim(List<BoundPlan> plans) {
        while (plans.size() > capacity) {
            plans.removeLast();
            guardEvictions++;
        }
    }

    void capacity(int plans) {
        capacity = plans;
        bySignature.capacity(plans);
        bySignature.values().forEach(this::trim);
    }

    List<BoundPlan> all() {
        return bySignature.values().stream().flatMap(List::stream).toList();
    }

    long evictions() {
        return bySignature.stats().evictions() + guardEvictions;
    }
}
