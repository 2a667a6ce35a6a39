package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.io.Checkpoint;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.LRScheduler;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2N steps straight give the same bits as N steps, a checkpoint, a fresh JVM, a load and N more
 * steps — eager and compiled, for SGD with momentum, RMSprop and Adam, with N = 3000. The compiled
 * straight run crosses the switch of its short loops to their Vector API form (after 5000 runs)
 * where the resumed one never reaches it, so this also holds the two forms of a loop to the same bits.
 * A scheduled, shuffled run resumes too: E epochs of shuffled mini-batches with a learning-rate schedule
 * (OneCycleLR per batch with SGD, eager; StepLR per epoch with Adam, compiled), checkpointed between
 * epochs with its scheduler and its loader's shuffle generator. The final checkpoints (model, optimizer
 * state, schedulers, loaders, generator) are compared byte for byte.
 */
class ExactResumeTest {
    static final int N = 3000;
    static final int E = 12;
    static final List<String> CONFIGS = List.of("sgd-eager", "rmsprop-eager", "adam-eager", "sgd-compiled", "rmsprop-compiled",
            "adam-compiled");
    static final List<String> SCHEDULED = List.of("onecycle-eager", "steplr-compiled");

    /** One training run: an MLP fitting sin(x) on 256 points, float32. */
    static final class Run {
        final Sequential model;
        final Optimizer<?> optimizer;
        final Step train;

        Run(String config, long seed) {
            Kiln.manualSeed(seed);
            model = new Sequential(new Linear(1, 32), new Tanh(), new Linear(32, 1));
            List<Tensor> params = model.parameters();
            optimizer = switch (config.substring(0, config.indexOf('-'))) {
                case "sgd" -> new SGD(params, SGD.Options.lr(1e-3).withMomentum(0.9));
                case "rmsprop" -> new RMSprop(params, 1e-3);
                default -> new Adam(params, Adam.Options.lr(1e-3));
            };
            Tensor x = Tensor.linspace(-Math.PI, Math.PI, 256).unsqueeze(1);
            Tensor y = x.sin();
            MSELoss loss = new MSELoss();
            Step step = in -> {
                optimizer.zeroGrad();
                Tensor l = loss.forward(model.forward(x), y);
                l.backward();
                optimizer.step();
                return l;
            };
            train = config.endsWith("compiled") ? Kiln.compile(step) : step;
        }

        void steps(int n) {
            for (int t = 0; t < n; t++) {
                train.apply();
            }
        }
    }

    /** A scheduled run: the same MLP on shuffled mini-batches of 32 of the 256 points, its schedule stepped per batch or per epoch. */
    static final class Scheduled {
        final Sequential model;
        final Optimizer<?> optimizer;
        final LRScheduler scheduler;
        final DataLoader loader;
        final Step train;
        final boolean perBatch;
        final Checkpoint checkpoint;

        Scheduled(String config, long seed) {
            Kiln.manualSeed(seed);
            model = new Sequential(new Linear(1, 32), new Tanh(), new Linear(32, 1));
            perBatch = config.startsWith("onecycle");
            if (perBatch) {
                optimizer = new SGD(model.parameters(), SGD.Options.lr(1e-2).withMomentum(0.9));
                scheduler = new LRScheduler.OneCycleLR(optimizer, 0.05, 2 * E * 8);
            } else {
                optimizer = new Adam(model.parameters(), Adam.Options.lr(1e-2));
                scheduler = new LRScheduler.StepLR(optimizer, 10, 0.5);
            }
            Tensor x = Tensor.linspace(-Math.PI, Math.PI, 256).unsqueeze(1);
            loader = DataLoader.of(new TensorDataset(x, x.sin())).batchSize(32).shuffle(new Generator(seed + 1)).build();
            MSELoss loss = new MSELoss();
            Step step = in -> {
                optimizer.zeroGrad();
                Tensor l = loss.forward(model.forward(in[0]), in[1]);
                l.backward();
                optimizer.step();
                return l;
            };
            train = config.endsWith("compiled") ? Kiln.compile(step) : step;
            checkpoint = Checkpoint.of(model, optimizer).withSchedulers(scheduler).withLoaders(loader);
        }

        void epochs(int n) {
            for (int e = 0; e < n; e++) {
                for (List<Tensor> batch : loader) {
                    train.apply(batch.get(0), batch.get(1));
                    if (perBatch) {
                        scheduler.step();
                    }
                }
                if (!perBatch) {
                    scheduler.step();
                }
            }
        }
    }

    /** In the child JVM: resumes every configuration from its checkpoint in {@code args[0]} and saves where it ends. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        for (String c : CONFIGS) {
            Run r = new Run(c, 99); // other initial weights: only the checkpoint can make them right
            Checkpoint.load(dir.resolve(c + "-half.safetensors"), r.model, r.optimizer);
            r.steps(N);
            Checkpoint.save(dir.resolve(c + "-resumed.safetensors"), r.model, r.optimizer);
        }
        for (String c : SCHEDULED) {
            Scheduled r = new Scheduled(c, 99); // other weights and shuffle seed, a fresh schedule
            r.checkpoint.load(dir.resolve(c + "-half.safetensors"));
            r.epochs(E);
            r.checkpoint.save(dir.resolve(c + "-resumed.safetensors"));
        }
        System.out.println("resumed " + (CONFIGS.size() + SCHEDULED.size()));
    }

    @TempDir
    Path dir;

    @Test
    void resumingInAFreshJvmGivesTheBitsOfTheStraightRun() throws Exception {
        for (String c : CONFIGS) {
            Run r = new Run(c, 7);
            r.steps(N);
            Checkpoint.save(dir.resolve(c + "-half.safetensors"), r.model, r.optimizer);
            r.steps(N);
            Checkpoint.save(dir.resolve(c + "-straight.safetensors"), r.model, r.optimizer);
        }
        for (String c : SCHEDULED) {
            Scheduled r = new Scheduled(c, 7);
            r.epochs(E);
            r.checkpoint.save(dir.resolve(c + "-half.safetensors"));
            r.epochs(E);
            r.checkpoint.save(dir.resolve(c + "-straight.safetensors"));
        }
        // the test JVM switches at 5000 runs (the build sets kiln.vectorAfterRuns), so the child does too
        ChildJvm.Result child = ChildJvm.run(ExactResumeTest.class, List.of("-Dkiln.vectorAfterRuns=5000"), List.of(dir.toString()), 300);
        assertEquals(0, child.exit(), child.output());
        List<String> differ = new ArrayList<>();
        List<String> all = new ArrayList<>(CONFIGS);
        all.addAll(SCHEDULED);
        for (String c : all) {
            byte[] straight = Files.readAllBytes(dir.resolve(c + "-straight.safetensors"));
            byte[] resumed = Files.readAllBytes(dir.resolve(c + "-resumed.safetensors"));
            if (!java.util.Arrays.equals(straight, resumed)) {
                Map<String, Tensor> a = dev.kiln.io.Safetensors.load(dir.resolve(c + "-straight.safetensors"));
                Map<String, Tensor> b = dev.kiln.io.Safetensors.load(dir.resolve(c + "-resumed.safetensors"));
                List<String> entries = new ArrayList<>();
                a.forEach((k, v) -> {
                    if (!java.util.Arrays.equals(v.toDoubleArray(), b.get(k).toDoubleArray())) {
                        entries.add(k);
                    }
                });
                Map<String, String> ma = dev.kiln.io.Safetensors.metadata(dir.resolve(c + "-straight.safetensors"));
                Map<String, String> mb = dev.kiln.io.Safetensors.metadata(dir.resolve(c + "-resumed.safetensors"));
                differ.add(c + ": tensors " + entries + (ma.equals(mb) ? "" : ", metadata " + ma + " against " + mb));
            }
        }
        assertEquals(List.of(), differ, "configurations whose resumed run ended on other bits than the straight run");
        // and the runs did train: the last checkpoint is not the half-way one
        Map<String, Tensor> half = dev.kiln.io.Safetensors.load(dir.resolve("adam-compiled-half.safetensors"));
        Map<String, Tensor> end = dev.kiln.io.Safetensors.load(dir.resolve("adam-compiled-straight.safetensors"));
        float[] a = half.get("model.0.weight").toFloatArray();
        float[] b = end.get("model.0.weight").toFloatArray();
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(a, b));
        assertArrayEquals(new long[] {2L * N}, new long[] {(long) end.get("optimizer.state.0.step").item()});
        // the schedules ran to their ends: OneCycleLR through all its steps, StepLR's rate halved twice
        String onecycle = dev.kiln.io.Safetensors.metadata(dir.resolve("onecycle-eager-straight.safetensors")).get("kiln.schedulers");
        org.junit.jupiter.api.Assertions.assertTrue(onecycle.contains("\"last_epoch\":" + 2 * E * 8 + ","), onecycle);
        String steplr = dev.kiln.io.Safetensors.metadata(dir.resolve("steplr-compiled-straight.safetensors")).get("kiln.schedulers");
        org.junit.jupiter.api.Assertions.assertTrue(steplr.contains("\"_last_lr\":[0.0025]"), steplr);
    }
}
