package dev.kiln.cpu;

import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.codegen.kernel.Plan;
import java.util.ArrayList;
import java.util.List;

/**
 * Assigns a plan's intermediate buffers to shared arrays: two buffers of the same dtype and size
 * share one array when the first is last read before the second is first written. Inputs and
 * outputs never share. Buffers written by interpreted ops get fresh arrays from the interpreter.
 */
final class Arena {
    private Arena() {
    }

    /**
     * For each buffer, an earlier buffer whose array it reuses, or -1 for an array of its own. A read of a
     * buffer with {@code aliases} (a view or an implicit gather, see {@link LazyOps}) is also a read of the
     * buffers it aliases, so their arrays stay theirs until the alias's last reader.
     */
    static int[] assign(Plan plan, int[][] aliases) {
        int n = plan.buffers().size();
        int[] first = new int[n];
        int[] last = new int[n];
        java.util.Arrays.fill(first, Integer.MAX_VALUE);
        java.util.Arrays.fill(last, -1);
        boolean[] pinned = new boolean[n];
        for (int b : plan.inputs()) {
            pinned[b] = true;
        }
        for (int b : plan.outputs()) {
            pinned[b] = true;
        }
        List<Plan.Step> steps = plan.steps();
        for (int s = 0; s < steps.size(); s++) {
            for (int b : written(steps.get(s), pinned)) {
                first[b] = Math.min(first[b], s);
                last[b] = Math.max(last[b], s);
            }
            for (int b : read(steps.get(s))) {
                readAt(b, s, last, aliases);
            }
        }
        int[] share = new int[n];
        java.util.Arrays.fill(share, -1);
        List<Integer> owners = new ArrayList<>(); // buffers that own an array
        List<Integer> freeAfter = new ArrayList<>(); // step after which each owner's array is free
        for (int b = 0; b < n; b++) {
            if (pinned[b] || first[b] == Integer.MAX_VALUE) {
                continue;
            }
            Plan.Buffer spec = plan.buffers().get(b);
            int chosen = -1;
            for (int o = 0; o < owners.size() && chosen < 0; o++) {
                Plan.Buffer other = plan.buffers().get(owners.get(o));
                if (other.dtype() == spec.dtype() && other.shape().numelLong() == spec.shape().numelLong()
                        && freeAfter.get(o) < first[b]) {
                    chosen = o;
                }
            }
            if (chosen >= 0) {
                share[b] = owners.get(chosen);
                freeAfter.set(chosen, last[b]);
            } else {
                owners.add(b);
                freeAfter.add(last[b]);
            }
        }
        return share;
    }

    private static void readAt(int b, int s, int[] last, int[][] aliases) {
        last[b] = Math.max(last[b], s);
        if (aliases[b] != null) {
            for (int a : aliases[b]) {
                readAt(a, s, last, aliases);
            }
        }
    }

    /** The buffers {@code step} writes into arrays the plan owns (a loop's stores and accumulations, a GEMM's product). */
    static List<Integer> writtenBy(Plan.Step step) {
        return written(step, null);
    }

    /** The buffers {@code step} reads. */
    static List<Integer> readsOf(Plan.Step step) {
        return read(step);
    }

    /** Buffers a step writes into an array the plan owns (interpreted ops bring their own). */
    private static List<Integer> written(Plan.Step step, boolean[] pinned) {
        return switch (step) {
            case Plan.KernelStep k -> written(k.kernel());
            case Plan.WriteScalar w -> List.of(w.buffer());
            case Plan.OpStep o -> List.of();
            case Plan.ReadScalar r -> List.of();
            // an epilogue runs while the GEMM runs: its buffers are live for the whole step
            case Plan.MatMulStep m -> m.epilogue() == null ? List.of(m.out())
                    : java.util.stream.Stream.concat(java.util.stream.Stream.of(m.out()), written(m.epilogue()).stream()).toList();
        };
    }

    private static List<Integer> written(Kernel k) {
        return java.util.stream.Stream.concat(k.stores().stream().map(Kernel.Store::buffer),
                k.accumulates().stream().map(a -> k.loads().get(a.target()).buffer())).toList();
    }

    private static List<Integer> read(Plan.Step step) {
        return switch (step) {
            case Plan.KernelStep k -> k.kernel().loads().stream().map(Kernel.Load::buffer).toList(); // includes accumulation targets
            case Plan.OpStep o -> o.inputs();
            case Plan.ReadScalar r -> List.of(r.buffer());
            case Plan.WriteScalar w -> List.of();
            case Plan.MatMulStep m -> m.epilogue() == null ? List.of(m.a(), m.b())
                    : java.util.stream.Stream.concat(java.util.stream.Stream.of(m.a(), m.b()),
                            m.epilogue().loads().stream().map(Kernel.Load::buffer)).toList();
        };
    }
}
