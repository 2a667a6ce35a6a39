package dev.kiln.bench;

import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.distributed.DistributedDataParallel;
import dev.kiln.distributed.ProcessGroup;
import dev.kiln.distributed.ReduceOp;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import java.util.Arrays;

/**
 * Plain Java, run under mpirun by {@code bench/distributed.sh} (JMH forks its own JVMs, which
 * mpirun's ranks cannot be): {@code allreduce} times Kiln's in-place all-reduce of float32 tensors
 * from 8 B to 64 MB (median of repetitions, each after a barrier, as {@code bench/mpi/allreduce.c}
 * times MPI_Allreduce); {@code mlp THREADS} times the compiled MLP training step of MlpBenchmark
 * (64 → 512 → 512 → 1, Adam) with DistributedDataParallel, batch 4096 per rank, and prints samples per
 * second over all ranks. Rank 0 prints.
 */
public final class DistributedBenchmark {
    private DistributedBenchmark() {
    }

    public static void main(String[] args) {
        ProcessGroup g = ProcessGroup.world();
        switch (args[0]) {
            case "allreduce" -> allReduce(g);
            case "mlp" -> mlp(g, Integer.parseInt(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 30);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void allReduce(ProcessGroup g) {
        String mode = Boolean.getBoolean("kiln.distributed.mpiReductions") ? "kiln-mpi-sum" : "kiln";
        for (long bytes = 8; bytes <= 64L << 20; bytes *= 8) {
            Tensor t = Tensor.ones((int) (bytes / 4));
            int reps = bytes <= 4096 ? 2000 : bytes <= (1 << 20) ? 200 : 20;
            double[] times = new double[reps];
            for (int w = 0; w < reps / 10 + 1; w++) {
                g.allReduce(t, ReduceOp.SUM);
            }
            for (int r = 0; r < reps; r++) {
                g.barrier();
                long t0 = System.nanoTime();
                g.allReduce(t, ReduceOp.SUM);
                times[r] = (System.nanoTime() - t0) / 1e3;
            }
            Arrays.sort(times);
            if (g.rank() == 0) {
                System.out.printf("%s %d %d %.3f%n", mode, g.size(), bytes, times[reps / 2]);
            }
        }
    }

    static void mlp(ProcessGroup g, int threads, int steps) {
        Kiln.setNumThreads(threads);
        Kiln.manualSeed(0);
        Sequential model = new Sequential(new Linear(64, 512), new Tanh(), new Linear(512, 512), new Tanh(), new Linear(512, 1));
        DistributedDataParallel ddp = new DistributedDataParallel(model, g, DistributedDataParallel.DEFAULT_BUCKET_MB);
        Tensor x = Tensor.randn(4096, 64);
        Tensor y = Tensor.randn(4096, 1);
        Adam opt = new Adam(model.parameters(), Adam.Options.lr(1e-3));
        MSELoss loss = new MSELoss();
        Step step = Kiln.compile(in -> {
            opt.zeroGrad();
            Tensor l = loss.forward(ddp.forward(in[0]), in[1]);
            l.backward();
            opt.step();
            return l;
        });
        for (int i = 0; i < 5; i++) {
            step.apply(x, y);
        }
        double[] times = new double[steps];
        for (int i = 0; i < steps; i++) {
            g.barrier();
            long t0 = System.nanoTime();
            step.apply(x, y);
            times[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(times);
        double median = times[steps / 2];
        if (g.rank() == 0) {
            System.out.printf("mlp ranks=%d threads=%d step_ms=%.2f samples_per_s=%.0f%n", g.size(), threads, median,
                    g.size() * 4096 / (median / 1000));
        }
    }
}
