package dev.kiln.samples;

import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.data.Data;
import dev.kiln.data.DataLoader;
import dev.kiln.data.Subset;
import dev.kiln.data.TensorDataset;
import dev.kiln.nn.CrossEntropyLoss;
import dev.kiln.nn.Linear;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A classifier on real data: the 8×8 handwritten digits scikit-learn ships (1,797 images, 10 classes;
 * see resources/.../digits/NOTICE.md), an MLP 64→128→10 with ReLU, cross-entropy, Adam, mini-batches
 * of 64 from a shuffling {@link DataLoader}; a fixed 1437/360 train/test split.
 * <pre>
 * ./kiln sample digits-mlp [--compiled] [--epochs 50] [--plot loss.png]
 * </pre>
 * Prints the loss every ten epochs and {@code test accuracy: 0.9xx}.
 */
public final class DigitsSample {
    /** The seeds of the split, the initial weights and the batch order. */
    public static final long SPLIT_SEED = 42;
    public static final long INIT_SEED = 7;
    public static final long SHUFFLE_SEED = 1234;
    public static final int TRAIN = 1437;
    public static final int BATCH = 64;
    public static final double LR = 3e-3;
    public static final int EPOCHS = 50;

    private DigitsSample() {
    }

    /** What a run gives: per-epoch mean training loss and test accuracy, and the final test accuracy. */
    public record Result(List<Double> losses, List<Double> accuracies, double testAccuracy) {
    }

    public static void main(String[] args) {
        int epochs = EPOCHS;
        Path plot = null;
        Path logdir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--compiled" -> { }
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--plot" -> plot = Path.of(args[++i]);
                case "--logdir" -> logdir = Path.of(args[++i]);
                default -> {
                    System.err.println("digits-mlp: unknown argument " + args[i] + "; usage: digits-mlp [--compiled] [--epochs N] [--plot FILE] [--logdir DIR]");
                    System.exit(2);
                }
            }
        }
        Result r = run(System.out, Samples.compiled(args), epochs, Progress.forTerminal("digits-mlp"), logdir);
        if (plot != null) {
            Plot.lossAndAccuracy(plot, r.losses(), r.accuracies());
            System.out.println("plot written to " + plot);
        }
    }

    /** The images scaled to [0, 1] (float32 [1797, 64]) and their labels (int64 [1797]). */
    public static List<Tensor> load() {
        List<float[]> rows = new ArrayList<>();
        List<Long> labels = new ArrayList<>();
        try (var in = DigitsSample.class.getResourceAsStream("digits/digits.csv.gz");
                var lines = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.US_ASCII))) {
            for (String line; (line = lines.readLine()) != null; ) {
                String[] f = line.split(",");
                float[] px = new float[64];
                for (int i = 0; i < 64; i++) {
                    px[i] = Float.parseFloat(f[i]) / 16f;
                }
                rows.add(px);
                labels.add((long) Float.parseFloat(f[64]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the digits resource", e);
        }
        float[] x = new float[rows.size() * 64];
        long[] y = new long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, x, i * 64, 64);
            y[i] = labels.get(i);
        }
        return List.of(Tensor.of(x).reshape(rows.size(), 64), Tensor.of(y));
    }

    /** The MLP with its initial weights (seeded). */
    public static Sequential model() {
        Kiln.manualSeed(INIT_SEED);
        return new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10));
    }

    /** The train and test parts of the fixed split. */
    public static List<Subset> split(TensorDataset all) {
        return Data.randomSplit(all, new int[] {TRAIN, all.size() - TRAIN}, new Generator(SPLIT_SEED));
    }

    /** Trains and prints; {@code progress} shows a bar per epoch or nothing. */
    public static Result run(PrintStream out, boolean compiled, int epochs, Progress progress) {
        return run(out, compiled, epochs, progress, null);
    }

    /** As {@link #run(PrintStream, boolean, int, Progress)}, with a TensorBoard log in {@code logdir} (none if null). */
    public static Result run(PrintStream out, boolean compiled, int epochs, Progress progress, Path logdir) {
        List<Tensor> data = load();
        TensorDataset all = new TensorDataset(data.get(0), data.get(1));
        List<Subset> parts = split(all);
        Tensor testRows = Tensor.of(java.util.Arrays.stream(parts.get(1).indices()).asLongStream().toArray());
        Tensor testX = data.get(0).indexSelect(0, testRows);
        Tensor testY = data.get(1).indexSelect(0, testRows);

        Sequential model = model();
        CrossEntropyLoss criterion = new CrossEntropyLoss();
        Adam optimizer = new Adam(model.parameters(), Adam.Options.lr(LR));
        DataLoader loader = DataLoader.of(parts.get(0)).batchSize(BATCH).shuffle(new Generator(SHUFFLE_SEED)).build();

        // One training step on a batch (images, labels); with --compiled a plan per batch shape (64, and the last 29)
        Step step = in -> {
            optimizer.zeroGrad();
            Tensor loss = criterion.forward(model.forward(in[0]), in[1]);
            loss.backward();
            optimizer.step();
            return loss;
        };
        Step train = compiled ? Kiln.compile(step) : step;

        List<Double> losses = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        RunLog log = RunLog.open(logdir, "digits-mlp", (compiled ? "compiled" : "eager") + ", " + epochs + " epochs", model,
                Shape.of(BATCH, 64));
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double sum = 0;
            int batches = 0;
            try (Progress.Bar bar = progress.start("epoch " + epoch, loader.batches())) {
                for (List<Tensor> batch : loader) {
                    sum += train.apply(batch.get(0), batch.get(1)).item();
                    batches++;
                    bar.step();
                }
            }
            losses.add(sum / batches);
            accuracies.add(accuracy(model, testX, testY));
            log.scalar("loss/train", sum / batches, epoch);
            log.scalar("accuracy/test", accuracies.getLast(), epoch);
            log.weights(epoch);
            if (epoch % 10 == 0 || epoch == epochs) {
                out.println("epoch " + epoch + " loss " + Py.str(sum / batches) + " test accuracy " + String.format("%.3f", accuracies.getLast()));
            }
        }
        log.close();
        double acc = accuracies.getLast();
        out.println("test accuracy: " + String.format("%.3f", acc));
        return new Result(losses, accuracies, acc);
    }

    /** The share of test images whose largest logit is their label. */
    public static double accuracy(Sequential model, Tensor x, Tensor y) {
        try (var noGrad = Kiln.noGrad()) {
            Tensor predicted = model.forward(x).argmax(1, false);
            return predicted.eq(y).to(dev.kiln.DType.FLOAT64).mean().item();
        }
    }
}
