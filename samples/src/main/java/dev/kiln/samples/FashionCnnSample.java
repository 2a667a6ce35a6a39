package dev.kiln.samples;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.data.Dataset;
import dev.kiln.data.FashionMNIST;
import dev.kiln.data.Subset;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.BatchNorm2d;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.CrossEntropyLoss;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MaxPool2d;
import dev.kiln.nn.Module;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.LRScheduler;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A convolutional network on Fashion-MNIST (Debian's dataset-fashion-mnist): PyTorch's MNIST example
 * network (Conv2d(1,32,3) ReLU Conv2d(32,64,3) ReLU MaxPool2d(2) Dropout(0.25) Flatten Linear(9216,128)
 * ReLU Dropout(0.5) Linear(128,10)), cross-entropy, Adam at 1e-3 with StepLR (gamma 0.7 each epoch),
 * batches of 64 in the order of a seeded shuffle. {@code --batchnorm} puts a BatchNorm2d after each
 * convolution. The images are {@code byte / 255}, as bench/pytorch_fashion.py reads them.
 * <pre>
 * ./kiln sample fashion-cnn [--compiled] [--epochs 3] [--train-size N] [--threads N] [--plot loss.png]
 * </pre>
 * Prints each epoch's mean loss and {@code test accuracy: 0.9xx}; see docs/convnets.md for the rest.
 */
public final class FashionCnnSample {
    public static final int BATCH = 64;
    public static final double LR = 1e-3;
    public static final double GAMMA = 0.7;
    /** The default seed: initial weights and dropout draws ({@code Kiln.manualSeed}) and the batch order. */
    public static final long SEED = 1234;
    /** Test images evaluated per forward. */
    static final int EVAL_BATCH = 100;
    private static final String USAGE = "usage: fashion-cnn [--compiled] [--epochs N] [--train-size N] [--test-size N] [--steps N]"
            + " [--threads N] [--batchnorm] [--no-dropout] [--seed N] [--data DIR] [--plot FILE] [--save FILE] [--load FILE]"
            + " [--save-init FILE] [--losses FILE] [--logits FILE] [--summary] [--logdir DIR]";

    private FashionCnnSample() {
    }

    /** A run's settings: three epochs on all 60,000 images, eager, the full test set, dropout on, unless changed. */
    public static final class Options {
        public boolean compiled;
        /** Print the network's summary (a batch of {@link #BATCH}) and stop. */
        public boolean summary;
        public int epochs = 3;
        public int trainSize = 60_000;
        public int testSize = 10_000;
        /** Stop after this many training steps (0: run every epoch). */
        public int steps;
        /** {@code Kiln.setNumThreads} (0: leave it). */
        public int threads;
        public boolean batchnorm;
        public boolean dropout = true;
        public long seed = SEED;
        public Path data = Path.of(FashionMNIST.DEFAULT_ROOT);
        public Path plot;
        public Path save;
        public Path load;
        public Path saveInit;
        public Path losses;
        public Path logits;
        /** A TensorBoard log directory ({@code --logdir}), or null. */
        public Path logdir;

        /** The defaults with the command line's options on top. */
        public static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--compiled" -> o.compiled = true;
                    case "--summary" -> o.summary = true;
                    case "--batchnorm" -> o.batchnorm = true;
                    case "--no-dropout" -> o.dropout = false;
                    case "--epochs" -> o.epochs = Args.count(a, args, ++i, 0);
                    case "--train-size" -> o.trainSize = Args.count(a, args, ++i, 1);
                    case "--test-size" -> o.testSize = Args.count(a, args, ++i, 0);
                    case "--steps" -> o.steps = Args.count(a, args, ++i, 1);
                    case "--threads" -> o.threads = Args.count(a, args, ++i, 1);
                    case "--seed" -> o.seed = Args.count(a, args, ++i, 0);
                    case "--data" -> o.data = Path.of(Args.value(a, args, ++i));
                    case "--plot" -> o.plot = Path.of(Args.value(a, args, ++i));
                    case "--save" -> o.save = Path.of(Args.value(a, args, ++i));
                    case "--load" -> o.load = Path.of(Args.value(a, args, ++i));
                    case "--save-init" -> o.saveInit = Path.of(Args.value(a, args, ++i));
                    case "--losses" -> o.losses = Path.of(Args.value(a, args, ++i));
                    case "--logits" -> o.logits = Path.of(Args.value(a, args, ++i));
                    case "--logdir" -> o.logdir = Path.of(Args.value(a, args, ++i));
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            return o;
        }
    }

    /**
     * What a run gives: each step's loss and time (ms), each epoch's mean loss, the test accuracy (NaN
     * without test images), the eval-mode logits of the test images and their predicted labels.
     */
    public record Result(List<Double> stepLosses, List<Double> stepMillis, List<Double> epochLosses, double testAccuracy,
            Tensor logits, long[] predicted) {
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fashion-cnn: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        if (o.summary) {
            model(o.batchnorm, o.dropout, o.seed).summary(Shape.of(BATCH, 1, 28, 28));
            return;
        }
        try {
            run(System.out, o, Progress.forTerminal("fashion-cnn"));
        } catch (KilnException e) {
            if (!Files.isDirectory(o.data) || e.getMessage().contains(FashionMNIST.DEBIAN_PACKAGE)) {
                System.err.println("fashion-cnn needs Fashion-MNIST: apt-get install --no-install-recommends " + FashionMNIST.DEBIAN_PACKAGE
                        + " (as root, or with sudo; ./kiln sample fashion-cnn installs it when it can), or --data DIR with the four IDX files.\n"
                        + e.getMessage());
                System.exit(1);
            }
            throw e;
        }
    }

    /** The network with its initial weights drawn after {@code Kiln.manualSeed(seed)}. */
    public static Sequential model(boolean batchnorm, boolean dropout, long seed) {
        Kiln.manualSeed(seed);
        List<Module> layers = new ArrayList<>();
        layers.add(new Conv2d(1, 32, 3));
        if (batchnorm) {
            layers.add(new BatchNorm2d(32));
        }
        layers.add(new ReLU());
        layers.add(new Conv2d(32, 64, 3));
        if (batchnorm) {
            layers.add(new BatchNorm2d(64));
        }
        layers.add(new ReLU());
        layers.add(new MaxPool2d(2));
        if (dropout) {
            layers.add(new Dropout(0.25));
        }
        layers.add(new Flatten());
        layers.add(new Linear(9216, 128));
        layers.add(new ReLU());
        if (dropout) {
            layers.add(new Dropout(0.5));
        }
        layers.add(new Linear(128, 10));
        return new Sequential(layers.toArray(Module[]::new));
    }

    /** Trains (unless {@code --load}), evaluates, prints, and writes what the options ask for. */
    public static Result run(PrintStream out, Options o, Progress progress) {
        if (o.threads > 0) {
            Kiln.setNumThreads(o.threads);
        }
        FashionMNIST test = new FashionMNIST(o.data, false);
        Sequential model = model(o.batchnorm, o.dropout, o.seed);
        if (o.saveInit != null) {
            model.save(o.saveInit);
        }
        List<Double> stepLosses = new ArrayList<>();
        List<Double> stepMillis = new ArrayList<>();
        List<Double> epochLosses = new ArrayList<>();
        int trainRows = 0;
        RunLog log = RunLog.open(o.logdir, "fashion-cnn", (o.compiled ? "compiled" : "eager") + ", " + o.epochs + " epochs, seed " + o.seed,
                model, Shape.of(BATCH, 1, 28, 28));
        if (o.load != null) {
            model.load(o.load);
        } else {
            FashionMNIST train = new FashionMNIST(o.data, true);
            Dataset rows = o.trainSize >= train.size() ? train : new Subset(train, IntStream.range(0, o.trainSize).toArray());
            trainRows = rows.size();
            train(out, o, model, rows, progress, stepLosses, stepMillis, epochLosses, log);
        }
        if (o.save != null) {
            model.save(o.save);
            out.println("model saved to " + o.save);
        }
        if (o.losses != null) {
            write(o.losses, stepLosses);
        }
        model.eval();
        int n = Math.min(o.testSize, test.size());
        Tensor logits = logits(model, test.images().slice(0, 0, n, 1));
        Tensor labels = test.targets().slice(0, 0, n, 1);
        long[] predicted = n == 0 ? new long[0] : toLongs(logits.argmax(1, false));
        double accuracy = n == 0 ? Double.NaN : logits.argmax(1, false).eq(labels).to(DType.FLOAT64).mean().item();
        if (n > 0) {
            out.println("test accuracy: " + String.format("%.3f", accuracy) + (n < test.size() ? " (first " + n + " test images)" : ""));
        }
        if (n > 0) {
            log.scalar("accuracy/test", accuracy, stepLosses.size());
        }
        log.close();
        if (o.logits != null) {
            Safetensors.save(o.logits, Map.of("logits", logits));
        }
        if (o.plot != null) {
            Path grid = gridPath(o.plot);
            Plot.stepLosses(o.plot, "fashion-cnn" + (o.batchnorm ? " (batchnorm)" : ""), stepLosses, epochLosses, trainRows / (double) BATCH);
            int shown = Math.min(n, 48);
            ImageGrid.write(grid, test.images().slice(0, 0, shown, 1), Arrays.copyOf(predicted, shown), toLongs(labels.slice(0, 0, shown, 1)),
                    FashionMNIST.CLASSES, 8);
            out.println("plot written to " + o.plot + " and " + grid);
        }
        return new Result(stepLosses, stepMillis, epochLosses, accuracy, logits, predicted);
    }

    /** The training loop: epochs of shuffled batches, StepLR after each, stopping after {@code steps} if set. */
    private static void train(PrintStream out, Options o, Sequential model, Dataset rows, Progress progress, List<Double> stepLosses,
            List<Double> stepMillis, List<Double> epochLosses, RunLog log) {
        CrossEntropyLoss criterion = new CrossEntropyLoss();
        Adam optimizer = new Adam(model.parameters(), Adam.Options.lr(LR));
        LRScheduler scheduler = new LRScheduler.StepLR(optimizer, 1, GAMMA);
        DataLoader loader = DataLoader.of(rows).batchSize(BATCH).shuffle(new Generator(o.seed)).build();
        Step step = in -> {
            optimizer.zeroGrad();
            Tensor loss = criterion.forward(model.forward(in[0]), in[1]);
            loss.backward();
            optimizer.step();
            return loss;
        };
        // with --compiled a plan per batch shape (64, and the last short batch's)
        Step trainStep = o.compiled ? Kiln.compile(step) : step;
        model.train();
        for (int epoch = 1; epoch <= o.epochs; epoch++) {
            double sum = 0;
            int batches = 0;
            boolean stop = false;
            try (Progress.Bar bar = progress.start("epoch " + epoch, loader.batches())) {
                for (List<Tensor> batch : loader) {
                    long start = System.nanoTime();
                    double loss = trainStep.apply(batch.get(0), batch.get(1)).item();
                    stepMillis.add((System.nanoTime() - start) / 1e6);
                    stepLosses.add(loss);
                    log.scalar("loss/train", loss, stepLosses.size());
                    log.scalar("step time (ms)", stepMillis.getLast(), stepLosses.size());
                    sum += loss;
                    batches++;
                    bar.step();
                    if (o.steps > 0 && stepLosses.size() >= o.steps) {
                        stop = true;
                        break;
                    }
                }
            }
            log.scalar("lr", scheduler.lastLr().getFirst(), epoch);
            scheduler.step();
            epochLosses.add(sum / batches);
            log.scalar("loss/epoch", sum / batches, epoch);
            log.weights(epoch);
            out.println("epoch " + epoch + " loss " + String.format("%.4f", sum / batches) + " (" + batches + " steps, median "
                    + String.format("%.1f", median(stepMillis.subList(Math.min(5, stepMillis.size() - 1), stepMillis.size())))
                    + " ms a step" + (o.compiled ? ", compiled" : ", eager") + ")");
            if (stop) {
                break;
            }
        }
    }

    /** The model's logits for {@code images}, without gradients, {@link #EVAL_BATCH} at a time. */
    static Tensor logits(Module model, Tensor images) {
        List<Tensor> parts = new ArrayList<>();
        try (var noGrad = Kiln.noGrad()) {
            for (int k = 0; k < images.size(0); k += EVAL_BATCH) {
                parts.add(model.forward(images.slice(0, k, Math.min(k + EVAL_BATCH, images.size(0)), 1)));
            }
            return parts.isEmpty() ? Tensor.zeros(0, 10) : Tensor.cat(parts, 0);
        }
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static long[] toLongs(Tensor t) {
        return t.toLongArray();
    }

    /** {@code loss.png} → {@code loss-grid.png}: where the grid of test images goes. */
    static Path gridPath(Path plot) {
        String name = plot.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return plot.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + "-grid.png");
    }

    /** One value a line, as Python's {@code repr} reads back. */
    private static void write(Path file, List<Double> values) {
        StringBuilder text = new StringBuilder();
        values.forEach(v -> text.append(v).append('\n'));
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
