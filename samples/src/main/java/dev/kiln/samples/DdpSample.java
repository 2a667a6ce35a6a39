package dev.kiln.samples;

import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.data.Subset;
import dev.kiln.data.TensorDataset;
import dev.kiln.distributed.DistributedDataParallel;
import dev.kiln.distributed.DistributedSampler;
import dev.kiln.distributed.ProcessGroup;
import dev.kiln.distributed.ReduceOp;
import dev.kiln.nn.CrossEntropyLoss;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The digits MLP trained data-parallel: a fixed global batch of 64 split across the ranks, each rank
 * training on its share with {@link DistributedDataParallel} averaging the gradients, so every rank
 * holds the same model and the run prints what one process prints. Alone: {@code ./kiln sample ddp};
 * on 2 ranks: {@code ./kiln mpirun -np 2 sample ddp} (or {@code mpirun -np 2 ./kiln sample ddp}). Only
 * rank 0 prints. {@code --compiled} compiles the step (the all-reduce becomes a step of its plan),
 * {@code --epochs N} (default 10).
 *
 * <p>The global batch is the same whatever the number of ranks: each epoch one permutation (the same
 * seed everywhere), global batch k its positions 64k to 64k+63, of which rank r takes every size-th from
 * position r ({@link DistributedSampler}); the last short batch is dropped, so every batch has 64 rows.
 */
public final class DdpSample {
    public static final int GLOBAL_BATCH = 64;
    public static final long SHUFFLE_SEED = 1234;

    private DdpSample() {
    }

    public static void main(String[] args) {
        int epochs = 10;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--epochs") && i + 1 < args.length) {
                epochs = Integer.parseInt(args[++i]);
            }
        }
        ProcessGroup group = ProcessGroup.world();
        PrintStream out = group.rank() == 0 ? System.out : new PrintStream(PrintStream.nullOutputStream());
        run(out, group, Samples.compiled(args), epochs);
    }

    /** Trains; rank 0 prints the loss of each epoch (the mean over all ranks' batches) and the test accuracy. */
    public static List<Double> run(PrintStream out, ProcessGroup group, boolean compiled, int epochs) {
        int ranks = group.size();
        if (GLOBAL_BATCH % ranks != 0) {
            throw new KilnException("ddp: the global batch of " + GLOBAL_BATCH + " does not split evenly over " + ranks + " ranks");
        }
        out.println("ranks: " + ranks + " (" + group.backend() + "), global batch " + GLOBAL_BATCH + ", " + GLOBAL_BATCH / ranks + " per rank");
        List<Tensor> data = DigitsSample.load();
        TensorDataset all = new TensorDataset(data.get(0), data.get(1));
        List<Subset> parts = DigitsSample.split(all);
        Tensor testRows = Tensor.of(java.util.Arrays.stream(parts.get(1).indices()).asLongStream().toArray());
        Tensor testX = data.get(0).indexSelect(0, testRows);
        Tensor testY = data.get(1).indexSelect(0, testRows);

        Sequential model = DigitsSample.model();
        DistributedDataParallel ddp = new DistributedDataParallel(model, group, DistributedDataParallel.DEFAULT_BUCKET_MB);
        CrossEntropyLoss criterion = new CrossEntropyLoss();
        Adam optimizer = new Adam(model.parameters(), Adam.Options.lr(DigitsSample.LR));
        DistributedSampler sampler = new DistributedSampler(parts.get(0).size(), ranks, group.rank(), true, SHUFFLE_SEED, true);
        DataLoader loader = DataLoader.of(parts.get(0)).batchSize(GLOBAL_BATCH / ranks).sampler(sampler).dropLast(true).build();

        Step step = in -> {
            optimizer.zeroGrad();
            Tensor loss = criterion.forward(ddp.forward(in[0]), in[1]);
            loss.backward(); // DistributedDataParallel averages the gradients across ranks here
            optimizer.step();
            return loss;
        };
        Step train = compiled ? Kiln.compile(step) : step;
        List<Double> losses = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            Tensor sum = Tensor.zeros(1).to(dev.kiln.DType.FLOAT64);
            int batches = 0;
            for (List<Tensor> batch : loader) {
                sum = sum.add(train.apply(batch.get(0), batch.get(1)).to(dev.kiln.DType.FLOAT64));
                batches++;
            }
            group.allReduce(sum, ReduceOp.MEAN); // the ranks' shares of each global batch, averaged
            double loss = sum.item() / batches;
            losses.add(loss);
            out.println("epoch " + epoch + " loss " + Py.str(loss) + " test accuracy "
                    + String.format("%.3f", DigitsSample.accuracy(model, testX, testY)));
        }
        return losses;
    }
}
