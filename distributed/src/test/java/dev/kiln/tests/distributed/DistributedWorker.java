package dev.kiln.tests.distributed;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.distributed.DistributedDataParallel;
import dev.kiln.distributed.DistributedSampler;
import dev.kiln.distributed.ProcessGroup;
import dev.kiln.distributed.ReduceOp;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.SGD;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * What each rank runs under {@code mpirun} in {@link DistributedTest}: scenarios named on the
 * command line; results as lines {@code RESULT <name> <rank> <text>}, trained parameters as files
 * {@code <out>/<name>.<rank>} (doubles as hex bits, so ranks and runs compare exactly), failures as
 * {@code FAIL <rank> <message>}.
 */
public final class DistributedWorker {
    /** The fixed global batch: 12 rows, split evenly over 1, 2 or 3 ranks. */
    static final int GLOBAL_BATCH = 12;
    static final int STEPS = 25;

    private DistributedWorker() {
    }

    private static java.nio.file.Path out = java.nio.file.Path.of(".");

    public static void main(String[] args) {
        ProcessGroup g = ProcessGroup.world();
        for (String a : args) {
            if (a.startsWith("leave:")) {
                leave(g, a.substring(6)); // alone: its exception must leave main uncaught
                return;
            }
        }
        try {
            for (String scenario : args) {
                if (scenario.startsWith("--out=")) {
                    out = java.nio.file.Path.of(scenario.substring(6));
                    continue;
                }
                switch (scenario) {
                    case "collectives" -> collectives(g);
                    case "mismatch" -> mismatch(g);
                    case "sampler" -> sampler(g);
                    case "missing" -> missing(g);
                    case "dies" -> dies(g);
                    default -> {
                        String[] p = scenario.split(":"); // train:<optimizer>:<eager|compiled>:<dtype>
                        double[] params = train(g, p[1], p[2].equals("compiled"), DType.valueOf(p[3]));
                        // long lines from several ranks interleave in mpirun's output: the values go to a file
                        java.nio.file.Files.writeString(out.resolve(scenario.replace(':', '_') + "." + g.rank()), hex(params));
                        System.out.println("RESULT " + scenario + " " + g.rank() + " written");
                    }
                }
            }
            System.out.println("DONE " + g.rank());
        } catch (RuntimeException | AssertionError | java.io.IOException e) {
            System.out.println("FAIL " + g.rank() + " " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            Runtime.getRuntime().halt(2);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static void collectives(ProcessGroup g) {
        int n = g.size();
        int r = g.rank();
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64, DType.INT64)) {
            Tensor x = Tensor.arange(6).add(r * 10).reshape(2, 3).to(t);
            Tensor sum = x.clone();
            g.allReduce(sum, ReduceOp.SUM);
            Tensor max = x.clone();
            g.allReduce(max, ReduceOp.MAX);
            for (int i = 0; i < 6; i++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += i + 10 * k;
                }
                check(sum.reshape(-1).get(i).item() == s, t + " sum element " + i + ": " + sum);
                check(max.reshape(-1).get(i).item() == i + 10 * (n - 1), t + " max element " + i + ": " + max);
            }
            if (t.isFloating()) {
                Tensor mean = x.clone();
                g.allReduce(mean, ReduceOp.MEAN);
                check(Math.abs(mean.reshape(-1).get(0).item() - 10.0 * (n - 1) / 2) < 1e-6, t + " mean " + mean);
            }
            Tensor b = Tensor.full(dev.kiln.Shape.of(4), r + 1.0).to(t);
            g.broadcast(b, n - 1);
            check(b.get(3).item() == n, t + " broadcast from the last rank: " + b);
            Tensor all = g.allGather(Tensor.full(dev.kiln.Shape.of(2), r).to(t));
            check(Arrays.equals(all.shape().toArray(), new int[] {n, 2}), "allGather shape " + all.shape());
            for (int k = 0; k < n; k++) {
                check(all.get(k, 1).item() == k, "allGather row " + k + ": " + all);
            }
        }
        // a view (non-contiguous) reduces as its values
        Tensor m = Tensor.arange(6).reshape(2, 3).to(DType.FLOAT64);
        Tensor column = m.transpose(0, 1);
        Tensor red = g.allReduced(column, ReduceOp.SUM);
        check(red.get(2, 1).item() == 5.0 * n, "reduced view " + red);
        // any thread may call, virtual ones too
        try {
            Thread v = Thread.ofVirtual().start(() -> {
                Tensor y = Tensor.ones(3).to(DType.FLOAT64);
                g.allReduce(y, ReduceOp.SUM);
                check(y.get(0).item() == n, "from a virtual thread: " + y);
            });
            v.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        g.barrier();
        System.out.println("RESULT collectives " + r + " ok");
    }

    static void mismatch(ProcessGroup g) {
        // the same count in another shape, then another count (which must fail before data of different sizes moves)
        for (Tensor x : g.rank() == 0 ? List.of(Tensor.zeros(3, 4), Tensor.zeros(2)) : List.of(Tensor.zeros(4, 3), Tensor.zeros(3))) {
            String name = x.dim() == 2 ? "mismatch" : "mismatch-count";
            try {
                g.allReduce(x, ReduceOp.SUM);
                System.out.println("RESULT " + name + " " + g.rank() + " no error");
            } catch (KilnException e) {
                System.out.println("RESULT " + name + " " + g.rank() + " " + e.getMessage());
            }
        }
        g.barrier(); // the group still works
    }

    static void sampler(ProcessGroup g) {
        for (int length : List.of(12, 13)) {
            DistributedSampler s = new DistributedSampler(length, g.size(), g.rank(), true, 5, false);
            int[] mine = s.nextEpoch();
            int[] next = s.nextEpoch();
            check(!Arrays.equals(mine, next) || length < 3, "a new order each epoch");
            Tensor all = g.allGather(Tensor.of(Arrays.stream(mine).asLongStream().toArray()));
            TreeSet<Long> seen = new TreeSet<>();
            List<Long> every = new ArrayList<>();
            for (long v : all.toLongArray()) {
                seen.add(v);
                every.add(v);
            }
            check(seen.size() == length && seen.first() == 0 && seen.last() == length - 1, "covering " + every);
            check(every.size() == s.size() * g.size(), "equal shares " + every);
            if (length % g.size() == 0) {
                check(seen.size() == every.size(), "disjoint " + every);
            }
        }
        System.out.println("RESULT sampler " + g.rank() + " ok");
    }

    /** Rank 0 all-reduces; the others never do: rank 0 fails after its timeout, naming itself and the call. */
    static void missing(ProcessGroup g) {
        g.timeout(Duration.ofSeconds(3));
        if (g.rank() == 0) {
            try {
                g.allReduce(Tensor.ones(5), ReduceOp.SUM);
                System.out.println("RESULT missing 0 no error");
            } catch (KilnException e) {
                System.out.println("RESULT missing 0 " + e.getMessage());
            }
        } else {
            sleep(6000);
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** Rank 1 dies before a collective that rank 0 waits in. */
    static void dies(ProcessGroup g) {
        g.timeout(Duration.ofSeconds(20));
        if (g.rank() == 1) {
            System.out.println("RESULT dies 1 halting " + System.currentTimeMillis());
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        g.allReduce(Tensor.ones(5), ReduceOp.SUM);
        System.out.println("RESULT dies 0 returned");
    }

    /**
     * Rank 1 leaves ({@code return} from main, {@code throw}, {@code exit}: System.exit(5), {@code term}:
     * SIGTERM) while rank 0 waits in an all-reduce; rank 0 reports when and what it got, then returns.
     * Rank 1 prints {@code LEFT <pid> <ms>} just before it goes.
     */
    static void leave(ProcessGroup g, String how) {
        g.barrier();
        if (g.rank() == 1) {
            sleep(300); // rank 0 waits in its all-reduce by now
            long pid = ProcessHandle.current().pid();
            System.out.println("LEFT " + pid + " " + System.currentTimeMillis());
            System.out.flush();
            switch (how) {
                case "return" -> {
                    return;
                }
                case "throw" -> throw new IllegalStateException("a bug of rank 1's");
                case "exit" -> System.exit(5);
                case "term" -> {
                    try {
                        new ProcessBuilder("sh", "-c", "kill -TERM " + pid).inheritIO().start();
                    } catch (java.io.IOException e) {
                        throw new AssertionError(e);
                    }
                    sleep(30_000);
                }
                default -> throw new AssertionError(how);
            }
        }
        try {
            g.allReduce(Tensor.ones(5), ReduceOp.SUM);
            System.out.println("RESULT leave 0 no error");
        } catch (KilnException e) {
            System.out.println("RESULT leave 0 " + System.currentTimeMillis() + " " + e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The data of the fixed problem: inputs [12, 5] and targets [12, 3]. */
    static Tensor[] data(DType t) {
        Generator gen = new Generator(99);
        return new Tensor[] {Tensor.randn(dev.kiln.Shape.of(GLOBAL_BATCH, 5), t, gen), Tensor.randn(dev.kiln.Shape.of(GLOBAL_BATCH, 3), t, gen)};
    }

    /**
     * Trains an MLP with DDP for {@link #STEPS} steps on this rank's rows of the fixed global batch
     * (all of it in a group of one); returns the final parameters, flattened.
     */
    public static double[] train(ProcessGroup g, String optimizer, boolean compiled, DType t) {
        Kiln.manualSeed(1234 + g.rank()); // different initial values on each rank: DDP must broadcast rank 0's
        Sequential model = new Sequential(new Linear(5, 16, t), new Tanh(), new Linear(16, 3, t));
        DistributedDataParallel ddp = new DistributedDataParallel(model, g, 0.0005); // small buckets: several of them
        Tensor[] d = data(t);
        int rows = GLOBAL_BATCH / g.size();
        Tensor x = d[0].slice(0, g.rank() * rows, (g.rank() + 1) * rows, 1);
        Tensor y = d[1].slice(0, g.rank() * rows, (g.rank() + 1) * rows, 1);
        Optimizer opt = optimizer.equals("adam") ? new Adam(model.parameters(), Adam.Options.lr(0.01))
                : new SGD(model.parameters(), SGD.Options.lr(0.05).withMomentum(0.9));
        MSELoss loss = new MSELoss();
        Step step = in -> {
            opt.zeroGrad();
            Tensor l = loss.forward(ddp.forward(in[0]), in[1]);
            l.backward();
            opt.step();
            return l;
        };
        Step run = compiled ? Kiln.compile(step) : step;
        for (int i = 0; i < STEPS; i++) {
            run.apply(x, y);
        }
        List<Double> out = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            for (double v : p.to(DType.FLOAT64).toDoubleArray()) {
                out.add(v);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static String hex(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.isEmpty() ? "" : ",").append(Long.toHexString(Double.doubleToRawLongBits(x)));
        }
        return sb.toString();
    }

    static double[] unhex(String s) {
        return Arrays.stream(s.split(",")).mapToDouble(h -> Double.longBitsToDouble(Long.parseUnsignedLong(h, 16))).toArray();
    }
}
