package dev.kiln.samples;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Generation;
import dev.kiln.nn.GenerationConfig;
import dev.kiln.nn.Utils;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A character-level GPT on Debian's fortunes (karpathy's nanoGPT, {@code shakespeare_char} at its CPU
 * configuration): {@link Gpt} with 4 layers, 4 heads, width 128, block 64, batches of 12 random contiguous
 * blocks (nanoGPT's {@code get_batch}, drawn from a Kiln {@link Generator}) from the first 90% of the text,
 * AdamW (lr 1e-3, betas 0.9/0.99, weight decay 0.1 on the 2-D weights only) with 100 warm-up steps and cosine
 * decay to 1e-4, gradients clipped to norm 1.0, 2000 iterations; train and validation loss (20 batches each)
 * every 100 steps; then 500 characters generated with temperature 0.8 and top-k 200.
 * <pre>
 * ./kiln sample char-gpt [--compiled] [--iters 2000] [--threads N] [--plot loss.png] [--save gpt.safetensors] [--load FILE]
 * </pre>
 * See docs/sequence.md.
 */
public final class CharGptSample {
    /** The default seed: initial weights and the batches. */
    public static final long SEED = 1337;
    private static final String USAGE = "usage: char-gpt [--compiled] [--iters N] [--steps N] [--eval-interval N] [--eval-iters N] [--batch N]"
            + " [--block N] [--layers N] [--heads N] [--embd N] [--lr X] [--warmup N] [--threads N] [--seed N] [--data DIR] [--plot FILE]"
            + " [--save FILE] [--load FILE] [--save-init FILE] [--init FILE] [--losses FILE] [--prompt TEXT] [--tokens N]"
            + " [--temperature X] [--top-k N] [--kv-cache]";

    private CharGptSample() {
    }

    /** A run's settings: nanoGPT's CPU configuration unless changed. */
    public static final class Options {
        public boolean compiled;
        public int iters = 2000;
        /** Stop after this many training steps, the schedule still that of {@code iters} (0: all). */
        public int steps;
        public int evalInterval = 100;
        public int evalIters = 20;
        public int batch = 12;
        public int block = 64;
        public int layers = 4;
        public int heads = 4;
        public int embd = 128;
        public double lr = 1e-3;
        public double minLr = 1e-4;
        public int warmup = 100;
        public double weightDecay = 0.1;
        public double clip = 1.0;
        public int threads;
        public long seed = SEED;
        public Path data = Path.of(Fortunes.DEFAULT_ROOT);
        public Path plot;
        public Path save;
        public Path load;
        public Path saveInit;
        public Path init;
        public Path losses;
        public String prompt = "\n";
        public int tokens = 500;
        public double temperature = 0.8;
        public int topK = 200;
        /** Also generate within one block with {@link Generation}'s key/value cache, and time it. */
        public boolean kvCache;

        /** The defaults with the command line's options on top. */
        public static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--compiled" -> o.compiled = true;
                    case "--kv-cache" -> o.kvCache = true;
                    case "--iters" -> o.iters = Args.count(a, args, ++i, 0);
                    case "--eval-interval" -> o.evalInterval = Args.count(a, args, ++i, 1);
                    case "--eval-iters" -> o.evalIters = Args.count(a, args, ++i, 1);
                    case "--batch" -> o.batch = Args.count(a, args, ++i, 1);
                    case "--block" -> o.block = Args.count(a, args, ++i, 1);
                    case "--layers" -> o.layers = Args.count(a, args, ++i, 1);
                    case "--heads" -> o.heads = Args.count(a, args, ++i, 1);
                    case "--embd" -> o.embd = Args.count(a, args, ++i, 1);
                    case "--lr" -> o.lr = Args.number(a, args, ++i);
                    case "--steps" -> o.steps = Args.count(a, args, ++i, 1);
                    case "--warmup" -> o.warmup = Args.count(a, args, ++i, 0);
                    case "--threads" -> o.threads = Args.count(a, args, ++i, 1);
                    case "--seed" -> o.seed = Args.count(a, args, ++i, 0);
                    case "--data" -> o.data = Path.of(Args.value(a, args, ++i));
                    case "--plot" -> o.plot = Path.of(Args.value(a, args, ++i));
                    case "--save" -> o.save = Path.of(Args.value(a, args, ++i));
                    case "--load" -> o.load = Path.of(Args.value(a, args, ++i));
                    case "--save-init" -> o.saveInit = Path.of(Args.value(a, args, ++i));
                    case "--init" -> o.init = Path.of(Args.value(a, args, ++i));
                    case "--losses" -> o.losses = Path.of(Args.value(a, args, ++i));
                    case "--prompt" -> o.prompt = Args.value(a, args, ++i);
                    case "--tokens" -> o.tokens = Args.count(a, args, ++i, 0);
                    case "--temperature" -> o.temperature = Args.number(a, args, ++i);
                    case "--top-k" -> o.topK = Args.count(a, args, ++i, 0);
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            return o;
        }

        /** The model's configuration for a vocabulary of {@code vocab} characters. */
        public Gpt.Config config(int vocab) {
            return new Gpt.Config(vocab, block, layers, heads, embd);
        }
    }

    /** What a run gives: each step's training loss, the evaluations (step, train loss, val loss), the generated text. */
    public record Result(List<Double> stepLosses, List<double[]> evals, String text, Gpt model) {
        /** The last validation loss. */
        public double lastVal() {
            return evals.getLast()[2];
        }
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("char-gpt: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        Fortunes text;
        try {
            text = Fortunes.load(o.data);
        } catch (KilnException e) {
            System.err.println("char-gpt needs Debian's fortunes text: apt-get install --no-install-recommends " + Fortunes.DEBIAN_PACKAGE
                    + " (as root, or with sudo; ./kiln sample char-gpt installs it when it can), or --data DIR with plain text files.\n"
                    + e.getMessage());
            System.exit(1);
            return;
        }
        run(System.out, o, text, Progress.forTerminal("char-gpt"));
    }

    /** The 90/10 split of the text's tokens (nanoGPT's prepare.py): train first, validation last. */
    static int[][] split(Fortunes text) {
        int[] all = text.tokens();
        int n = (int) (all.length * 0.9);
        return new int[][] {Arrays.copyOfRange(all, 0, n), Arrays.copyOfRange(all, n, all.length)};
    }

    /**
     * nanoGPT's {@code get_batch}: {@code batch} blocks starting at offsets drawn uniformly from
     * [0, len − block) (element i's offset is ⌊u_i · (len − block)⌋ for the generator's float64 uniform u_i),
     * inputs and the targets one character on.
     */
    static Tensor[] batch(int[] data, int batch, int block, Generator g) {
        long start = g.reserve(2L * batch);
        long[] x = new long[batch * block];
        long[] y = new long[batch * block];
        for (int b = 0; b < batch; b++) {
            int ix = (int) (Generator.uniform(g.seed(), start, b, DType.FLOAT64) * (data.length - block));
            for (int t = 0; t < block; t++) {
                x[b * block + t] = data[ix + t];
                y[b * block + t] = data[ix + t + 1];
            }
        }
        return new Tensor[] {Tensor.of(x).reshape(batch, block), Tensor.of(y).reshape(batch, block)};
    }

    /** nanoGPT's learning rate at step {@code it}: linear warm-up, then cosine decay to {@code minLr} at the last step. */
    static double lr(Options o, int it) {
        if (it < o.warmup) {
            return o.lr * (it + 1) / (o.warmup + 1);
        }
        if (it > o.iters) {
            return o.minLr;
        }
        double ratio = o.iters == o.warmup ? 1 : (it - o.warmup) / (double) (o.iters - o.warmup);
        return o.minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (o.lr - o.minLr);
    }

    /** The model with its initial weights drawn from {@code new Generator(seed)}. */
    public static Gpt model(Gpt.Config config, long seed) {
        return new Gpt(config, new Generator(seed));
    }

    /** Trains (unless {@code --load}), evaluates, generates, prints, and writes what the options ask for. */
    public static Result run(PrintStream out, Options o, Fortunes text, Progress progress) {
        if (o.threads > 0) {
            Kiln.setNumThreads(o.threads);
        }
        int[][] split = split(text);
        Gpt model = model(o.config(text.vocabSize()), o.seed);
        if (o.init != null) {
            model.load(o.init);
        }
        if (o.saveInit != null) {
            model.save(o.saveInit);
        }
        List<Double> stepLosses = new ArrayList<>();
        List<double[]> evals = new ArrayList<>();
        if (o.load != null) {
            model.load(o.load);
            out.println("model loaded from " + o.load);
        } else {
            train(out, o, model, split, progress, stepLosses, evals);
        }
        if (o.save != null) {
            model.save(o.save);
            out.println("model saved to " + o.save);
        }
        if (o.losses != null) {
            write(o.losses, stepLosses);
        }
        if (o.plot != null && !stepLosses.isEmpty()) {
            Plot.trainAndValidation(o.plot, "char-gpt", stepLosses, evals);
            out.println("plot written to " + o.plot);
        }
        String generated = "";
        if (o.tokens > 0) {
            generated = generate(model, text, o);
            out.println("--- " + o.tokens + " characters, temperature " + o.temperature + ", top-k " + o.topK + ":");
            out.println(o.prompt + generated);
            out.println("---");
        }
        if (o.kvCache) {
            cached(out, model, text, o);
        }
        return new Result(stepLosses, evals, generated, model);
    }

    private static void train(PrintStream out, Options o, Gpt model, int[][] split, Progress progress, List<Double> stepLosses,
            List<double[]> evals) {
        List<List<Tensor>> groups = model.decayAndNoDecay();
        Adam.Options base = Adam.Options.lr(o.lr).withBetas(0.9, 0.99);
        AdamW optimizer = new AdamW(List.of(new Optimizer.ParamGroup<>(groups.get(0), base.withWeightDecay(o.weightDecay)),
                new Optimizer.ParamGroup<>(groups.get(1), base.withWeightDecay(0))));
        List<Tensor> params = model.parameters();
        Step step = in -> {
            optimizer.zeroGrad();
            Tensor loss = model.loss(in[0], in[1]);
            loss.backward();
            Utils.clipGradNorm(params, o.clip);
            optimizer.step();
            return loss;
        };
        Step evalLoss = in -> {
            try (var noGrad = Kiln.noGrad()) {
                return model.loss(in[0], in[1]);
            }
        };
        Step trainStep = o.compiled ? Kiln.compile(step) : step;
        Step evalStep = o.compiled ? Kiln.compile(evalLoss) : evalLoss;
        Generator g = new Generator(o.seed);
        long started = System.nanoTime();
        Progress.Bar bar = null;
        try {
            for (int it = 0; it <= o.iters; it++) {
                optimizer.setLr(lr(o, it));
                if (it % o.evalInterval == 0 || it == o.iters) {
                    if (bar != null) {
                        bar.close();
                        bar = null;
                    }
                    double[] e = {it, estimate(model, evalStep, split[0], o, g), estimate(model, evalStep, split[1], o, g)};
                    evals.add(e);
                    out.println(String.format("step %d: train loss %.4f, val loss %.4f (%.1f s%s)", it, e[1], e[2],
                            (System.nanoTime() - started) / 1e9, o.compiled ? ", compiled" : ", eager"));
                }
                if (it == o.iters) {
                    break;
                }
                if (bar == null) {
                    bar = progress.start("steps " + (it + 1) + "-" + Math.min(o.iters, it + o.evalInterval), Math.min(o.evalInterval,
                            o.iters - it));
                }
                Tensor[] xy = batch(split[0], o.batch, o.block, g);
                stepLosses.add(trainStep.apply(xy).item());
                bar.step();
                if (stepLosses.size() == o.steps) {
                    break;
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        if (trainStep instanceof CompiledFunction f) {
            out.println("compiled training step: " + f.stats());
        }
    }

    /** nanoGPT's {@code estimate_loss} for one split: the mean loss of {@code evalIters} batches, in eval mode. */
    private static double estimate(Gpt model, Step evalStep, int[] data, Options o, Generator g) {
        model.eval();
        double sum = 0;
        for (int k = 0; k < o.evalIters; k++) {
            sum += evalStep.apply(batch(data, o.batch, o.block, g)).item();
        }
        model.train();
        return sum / o.evalIters;
    }

    /**
     * nanoGPT's {@code generate}: each next character from the logits of the last {@code block} characters
     * (temperature, top-k), drawn from {@code new Generator(seed)}. The window is padded to the block (causal
     * attention makes the padding invisible), so a compiled forward is one plan.
     */
    static String generate(Gpt model, Fortunes text, Options o) {
        model.eval();
        int block = model.config().blockSize();
        GenerationConfig config = new GenerationConfig(o.tokens, true, o.temperature, o.topK, 1.0, -1);
        Step forward = in -> {
            try (var noGrad = Kiln.noGrad()) {
                return model.forward(in[0]);
            }
        };
        Step f = o.compiled ? Kiln.compile(forward) : forward;
        List<Long> seq = new ArrayList<>();
        for (int c : text.encode(o.prompt)) {
            seq.add((long) c);
        }
        Generator g = new Generator(o.seed);
        long[] generated = new long[o.tokens];
        for (int i = 0; i < o.tokens; i++) {
            int from = Math.max(0, seq.size() - block);
            long[] window = new long[block];
            for (int t = from; t < seq.size(); t++) {
                window[t - from] = seq.get(t);
            }
            Tensor logits = f.apply(Tensor.of(window).reshape(1, block));
            generated[i] = Generation.sample(logits.select(0, 0).select(0, seq.size() - from - 1), config, g);
            seq.add(generated[i]);
        }
        model.train();
        return text.decode(generated);
    }

    /** Generates what fits in one block after the prompt with {@link Generation} (compiled prefill and decode steps, a key/value cache). */
    private static void cached(PrintStream out, Gpt model, Fortunes text, Options o) {
        model.eval();
        long[] prompt = Arrays.stream(text.encode(o.prompt)).asLongStream().toArray();
        int n = model.config().blockSize() - prompt.length + 1;
        if (prompt.length == 0 || n < 1) {
            out.println("--kv-cache: the prompt must hold 1 to " + model.config().blockSize() + " characters");
            return;
        }
        Generation gen = Generation.of(model, model.config().blockSize());
        GenerationConfig config = new GenerationConfig(n, true, o.temperature, o.topK, 1.0, -1);
        long start = System.nanoTime();
        long[] tokens = gen.generate(prompt, config, new Generator(o.seed));
        double seconds = (System.nanoTime() - start) / 1e9;
        out.println(String.format("--- %d characters with the key/value cache (%.0f tokens/s; decode step %s):", tokens.length,
                tokens.length / seconds, gen.decodeStats()));
        out.println(o.prompt + text.decode(tokens));
        out.println("---");
        model.train();
    }

    /** One value a line, as Python's {@code repr} reads back. */
    private static void write(Path file, List<Double> values) {
        StringBuilder s = new StringBuilder();
        values.forEach(v -> s.append(v).append('\n'));
        try {
            Files.writeString(file, s);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
