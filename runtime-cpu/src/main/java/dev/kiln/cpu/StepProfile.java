package dev.kiln.cpu;

import dev.kiln.codegen.kernel.Plan;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code -Dkiln.profileSteps=true}: the time each step of each compiled plan takes, summed over the run and
 * printed to standard error at exit as a table, the costliest steps first (as {@code torch.profiler}'s
 * table does for ops). A diagnostic: off, it costs nothing (the flag is a constant the JIT folds away).
 */
final class StepProfile {
    static final boolean ON = Boolean.getBoolean("kiln.profileSteps");
    /** Per plan, per step: the time of each of its runs (for the median: the mean carries the first calls' JIT warm-up). */
    private static final Map<Plan, long[][]> TIMES = new IdentityHashMap<>();
    /** Per plan, per step: how many runs {@link #TIMES} holds. */
    private static final Map<Plan, int[]> RUNS = new IdentityHashMap<>();

    static {
        if (ON) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(table(30))));
        }
    }

    private StepProfile() {
    }

    /** Adds one run of step {@code i} of {@code plan}, which took {@code nanos}. */
    static synchronized void add(Plan plan, int i, long nanos) {
        long[][] times = TIMES.computeIfAbsent(plan, p -> new long[p.steps().size()][16]);
        int n = RUNS.computeIfAbsent(plan, p -> new int[p.steps().size()])[i]++;
        if (times[i].length == n) {
            times[i] = java.util.Arrays.copyOf(times[i], 2 * n);
        }
        times[i][n] = nanos;
    }

    /** The {@code rows} costliest steps over all plans: total, mean and median time, share, calls, and what the step is. */
    static synchronized String table(int rows) {
        record Row(int plan, int step, long nanos, long calls, long median, String what) {
        }
        List<Row> all = new ArrayList<>();
        long total = 0;
        int k = 0;
        for (Map.Entry<Plan, long[][]> e : TIMES.entrySet()) {
            int[] runs = RUNS.get(e.getKey());
            for (int i = 0; i < runs.length; i++) {
                if (runs[i] > 0) {
                    long[] times = java.util.Arrays.copyOf(e.getValue()[i], runs[i]);
                    long sum = java.util.Arrays.stream(times).sum();
                    java.util.Arrays.sort(times);
                    all.add(new Row(k, i, sum, runs[i], times[times.length / 2], describe(e.getKey(), e.getKey().steps().get(i))));
                    total += sum;
                }
            }
            k++;
        }
        all.sort((a, b) -> Long.compare(b.nanos, a.nanos));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "kiln step profile: %.1f ms in %d plans' steps%n", total / 1e6, k));
        sb.append(String.format(Locale.ROOT, "%10s %10s %10s %6s %8s  %s%n", "total ms", "mean ms", "median ms", "share", "calls",
                "plan.step: what"));
        for (Row r : all.subList(0, Math.min(rows, all.size()))) {
            sb.append(String.format(Locale.ROOT, "%10.1f %10.3f %10.3f %5.1f%% %8d  p%d.%d: %s%n", r.nanos / 1e6, r.nanos / 1e6 / r.calls,
                    r.median / 1e6, 100.0 * r.nanos / Math.max(1, total), r.calls, r.plan, r.step, r.what));
        }
        return sb.toString();
    }

    private static String describe(Plan plan, Plan.Step s) {
        return switch (s) {
            case Plan.KernelStep k -> {
                String d = k.kernel().describe();
                int nl = d.indexOf('\n');
                yield "kernel " + (nl > 0 ? d.substring(0, nl) : d);
            }
            case Plan.MatMulStep m -> "gemm " + plan.buffers().get(m.out()).shape() + " = " + m.aView().shape() + " @ " + m.bView().shape()
                    + (m.epilogue() != null ? " + epilogue" : "");
            case Plan.OpStep o -> "op " + o.op().name() + " " + o.op().attributes() + " -> " + plan.buffers().get(o.output()).shape();
            case Plan.ReadScalar r -> "read scalar";
            case Plan.WriteScalar w -> "write scalar";
        };
    }
}
