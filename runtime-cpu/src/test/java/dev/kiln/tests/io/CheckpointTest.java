package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.io.Checkpoint;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.LRScheduler;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training checkpoints: every optimizer's state and options, the generator, the caller's metadata, and refusals that change nothing. */
class CheckpointTest {
    @TempDir
    Path dir;

    static Sequential model(long seed) {
        dev.kiln.Kiln.manualSeed(seed);
        return new Sequential(new Linear(2, 4), new Tanh(), new Linear(4, 1));
    }

    static void train(Sequential m, Optimizer<?> opt, int steps) {
        Tensor x = Tensor.of(0.5f, -1f, 2f, 0.25f, 1f, 1f).reshape(3, 2);
        Tensor y = Tensor.of(0.1f, 0.2f, -0.3f).reshape(3, 1);
        for (int i = 0; i < steps; i++) {
            opt.zeroGrad();
            new MSELoss().forward(m.forward(x), y).backward();
            opt.step();
        }
    }

    static final List<Function<List<Tensor>, Optimizer<?>>> OPTIMIZERS = List.of(
            p -> new SGD(p, SGD.Options.lr(0.05).withMomentum(0.8).withNesterov(true).withWeightDecay(0.01)),
            p -> new RMSprop(p, RMSprop.Options.lr(0.01).withMomentum(0.5).withCentered(true)),
            p -> new Adam(p, Adam.Options.lr(0.01).withAmsgrad(true)),
            p -> new AdamW(p, AdamW.defaults(0.02).withMaximize(false)));

    @Test
    void everyOptimizerResumesWithItsStateOptionsAndTheGenerator() {
        for (var make : OPTIMIZERS) {
            Sequential a = model(1);
            Optimizer<?> oa = make.apply(a.parameters());
            train(a, oa, 5);
            oa.setLr(0.0123); // a schedule's change is part of the options saved
            Generator g = new Generator(5);
            Tensor.rand(Shape.of(3), DType.FLOAT32, g);
            Path f = dir.resolve(oa.getClass().getSimpleName() + ".safetensors");
            Checkpoint.save(f, a, oa, g, Map.of("epoch", "3"));
            train(a, oa, 4);
            float[] drawnAfter = Tensor.rand(Shape.of(4), DType.FLOAT32, g).toFloatArray();

            Sequential b = model(2);
            Optimizer<?> ob = make.apply(b.parameters());
            Generator h = new Generator(77);
            assertEquals(Map.of("epoch", "3"), Checkpoint.load(f, b, ob, h));
            assertEquals(oa.paramGroups().getFirst().options(), ob.paramGroups().getFirst().options());
            train(b, ob, 4);
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(a.parameters().get(i).toFloatArray(), b.parameters().get(i).toFloatArray(), oa.getClass() + " param " + i);
            }
            assertArrayEquals(drawnAfter, Tensor.rand(Shape.of(4), DType.FLOAT32, h).toFloatArray(), "the generator resumes");
        }
    }

    @Test
    void theLayoutIsPlainSafetensorsWithModelAndOptimizerPrefixes() {
        Sequential a = model(1);
        Adam opt = new Adam(a.parameters(), Adam.Options.lr(0.01));
        train(a, opt, 2);
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(f, a, opt);
        Map<String, Tensor> t = Safetensors.load(f);
        assertTrue(t.keySet().containsAll(List.of("model.0.weight", "model.2.bias", "optimizer.state.0.exp_avg",
                "optimizer.state.3.exp_avg_sq", "optimizer.state.1.step")), t.keySet().toString());
        assertEquals(2.0, t.get("optimizer.state.2.step").item());
        Map<String, String> meta = Safetensors.metadata(f);
        assertEquals("1", meta.get("kiln.checkpoint"));
        assertTrue(meta.get("kiln.optimizer").startsWith("{\"class\":\"dev.kiln.optim.Adam\",\"param_groups\":[{\"params\":[0,1,2,3],"
                + "\"options\":{\"lr\":0.01,"), meta.get("kiln.optimizer"));
        assertTrue(meta.get("kiln.generator").matches("\\{\"seed\":-?\\d+,\"offset\":\\d+\\}"), meta.get("kiln.generator"));
        // a model alone loads from the model.* entries
        Sequential b = model(3);
        Map<String, Tensor> weights = new java.util.LinkedHashMap<>();
        t.forEach((k, v) -> {
            if (k.startsWith("model.")) {
                weights.put(k.substring(6), v);
            }
        });
        b.loadStateDict(weights, true);
        assertArrayEquals(a.parameters().get(0).toFloatArray(), b.parameters().get(0).toFloatArray());
    }

    @Test
    void aCheckpointThatDoesNotFitChangesNothing() {
        Sequential a = model(1);
        Adam adam = new Adam(a.parameters(), Adam.Options.lr(0.01));
        train(a, adam, 3);
        Path f = dir.resolve("adam.safetensors");
        Checkpoint.save(f, a, adam);

        // another kind of optimizer: refused before anything is written
        Sequential b = model(2);
        float[] before = b.parameters().get(0).toFloatArray();
        SGD sgd = new SGD(b.parameters(), SGD.Options.lr(0.1).withMomentum(0.9));
        KilnException e = assertThrows(KilnException.class, () -> Checkpoint.load(f, b, sgd));
        assertTrue(e.getMessage().contains("dev.kiln.optim.Adam") && e.getMessage().contains(f.toString()), e.getMessage());
        assertArrayEquals(before, b.parameters().get(0).toFloatArray());

        // the same kind over the parameters in another order: the model loads, the optimizer refuses, the model goes back
        List<Tensor> p = b.parameters();
        Adam reordered = new Adam(List.of(p.get(2), p.get(3), p.get(0), p.get(1)), Adam.Options.lr(0.01));
        Map<String, Tensor> state0 = Map.copyOf(reordered.state(p.get(2)));
        assertThrows(KilnException.class, () -> Checkpoint.load(f, b, reordered));
        assertArrayEquals(before, b.parameters().get(0).toFloatArray(), "the model is as it was");
        assertEquals(0.0, reordered.state(p.get(2)).get("step").item());
        assertEquals(state0.keySet(), reordered.state(p.get(2)).keySet());

        // a model of other shapes
        Sequential wide = new Sequential(new Linear(2, 5), new Tanh(), new Linear(5, 1));
        assertThrows(KilnException.class, () -> Checkpoint.load(f, wide, new Adam(wide.parameters(), Adam.Options.lr(0.01))));

        // a weights-only file is not a training checkpoint
        Path weights = dir.resolve("weights.safetensors");
        a.save(weights);
        e = assertThrows(KilnException.class, () -> Checkpoint.load(weights, b, new Adam(b.parameters(), Adam.Options.lr(0.01))));
        assertTrue(e.getMessage().contains("Module.load"), e.getMessage());

        // reserved metadata keys
        assertThrows(KilnException.class, () -> Checkpoint.save(dir.resolve("x.safetensors"), a, adam, null, Map.of("kiln.x", "1")));
        // without an optimizer or generator saved, asking for them is an error; passing null skips them
        Path modelOnly = dir.resolve("model-only.safetensors");
        Checkpoint.save(modelOnly, a, null, null, Map.of());
        assertThrows(KilnException.class, () -> Checkpoint.load(modelOnly, b, new Adam(b.parameters(), Adam.Options.lr(0.01))));
        Checkpoint.load(modelOnly, b, null, null);
        assertArrayEquals(a.parameters().get(0).toFloatArray(), b.parameters().get(0).toFloatArray());
        assertNotEquals(0, before.length);
    }

    /** A scheduled, shuffled run: SGD with momentum, StepLR per epoch, mini-batches of 4 of 12 points. */
    static final class Scheduled {
        final Sequential model;
        final SGD optimizer;
        final LRScheduler scheduler;
        final DataLoader loader;
        final Checkpoint checkpoint;
        final List<Double> lrs = new ArrayList<>();

        Scheduled(long seed, double lr) {
            model = model(seed);
            optimizer = new SGD(model.parameters(), SGD.Options.lr(lr).withMomentum(0.9));
            scheduler = new LRScheduler.StepLR(optimizer, 2, 0.5);
            Tensor x = Tensor.linspace(-1, 1, 24).reshape(12, 2);
            loader = DataLoader.of(new TensorDataset(x, x.sum(1).sin().unsqueeze(1))).batchSize(4).shuffle(new Generator(seed + 100)).build();
            checkpoint = Checkpoint.of(model, optimizer).withSchedulers(scheduler).withLoaders(loader);
        }

        void epochs(int n) {
            for (int e = 0; e < n; e++) {
                for (List<Tensor> b : loader) {
                    optimizer.zeroGrad();
                    new MSELoss().forward(model.forward(b.get(0)), b.get(1)).backward();
                    optimizer.step();
                }
                scheduler.step();
                lrs.add(scheduler.lastLr().getFirst());
            }
        }
    }

    @Test
    void aScheduledShuffledRunResumesWithItsSchedulerAndLoader() {
        Scheduled a = new Scheduled(1, 0.1);
        a.epochs(3);
        Path f = dir.resolve("scheduled.safetensors");
        a.checkpoint.save(f, Map.of("epoch", "3"));
        a.epochs(3);

        Scheduled b = new Scheduled(2, 0.5); // other weights, rate and shuffle seed: only the checkpoint can make them right
        assertEquals(Map.of("epoch", "3"), b.checkpoint.load(f));
        assertEquals(a.scheduler.lastEpoch() - 3, b.scheduler.lastEpoch());
        b.epochs(3);
        assertEquals(a.lrs.subList(3, 6), b.lrs);
        assertEquals(List.of(0.025, 0.025, 0.0125), b.lrs);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(a.model.parameters().get(i).toFloatArray(), b.model.parameters().get(i).toFloatArray(), "param " + i);
        }
        assertEquals(a.loader.generator().state(), b.loader.generator().state());
        assertEquals(a.scheduler.stateDict(), b.scheduler.stateDict());

        // the layout: each scheduler's class and state, each loader's generator, initial_lr in the optimizer's groups
        Map<String, String> meta = Safetensors.metadata(f);
        assertEquals("[{\"class\":\"dev.kiln.optim.LRScheduler$StepLR\",\"state\":{\"step_size\":2,\"gamma\":0.5,\"base_lrs\":[0.1],"
                + "\"last_epoch\":3,\"_step_count\":4,\"_last_lr\":[0.05]}}]", meta.get("kiln.schedulers"));
        assertTrue(meta.get("kiln.loaders").matches("\\[\\{\"seed\":101,\"offset\":\\d+\\}\\]"), meta.get("kiln.loaders"));
        assertTrue(meta.get("kiln.optimizer").contains("},\"initial_lr\":0.1}]"), meta.get("kiln.optimizer"));
    }

    @Test
    void aSchedulerBuiltAfterLoadWithoutItsStateStartsFromTheRunsInitialLr() {
        Sequential a = model(1);
        SGD oa = new SGD(a.parameters(), 0.1);
        LRScheduler sa = new LRScheduler.StepLR(oa, 2, 0.5);
        for (int i = 0; i < 5; i++) {
            train(a, oa, 1);
            sa.step();
        }
        Path f = dir.resolve("no-scheduler.safetensors");
        Checkpoint.save(f, a, oa); // as before schedulers were saved: the optimizer alone
        assertEquals(0.025, oa.paramGroups().getFirst().options().lr());

        Sequential b = model(2);
        SGD ob = new SGD(b.parameters(), 0.1);
        Checkpoint.load(f, b, ob);
        assertEquals(0.025, ob.paramGroups().getFirst().options().lr());
        LRScheduler restarted = new LRScheduler.StepLR(ob, 2, 0.5); // a new schedule: from 0.1, not from the loaded 0.025
        assertEquals(List.of(0.1), restarted.baseLrs());
        assertEquals(List.of(0.1), restarted.lastLr());
        LRScheduler resumed = new LRScheduler.StepLR(ob, 2, 0.5, 4); // PyTorch's last_epoch: step 5 of the run's schedule
        assertEquals(List.of(0.025), resumed.lastLr());
        resumed.step();
        sa.step();
        assertEquals(sa.lastLr(), resumed.lastLr());
    }

    @Test
    void schedulersAndLoadersThatDoNotFitChangeNothing() {
        Scheduled a = new Scheduled(1, 0.1);
        a.epochs(2);
        Path f = dir.resolve("run.safetensors");
        a.checkpoint.save(f);
        Path plain = dir.resolve("plain.safetensors");
        Checkpoint.save(plain, a.model, a.optimizer);

        Scheduled b = new Scheduled(2, 0.5);
        float[] weights = b.model.parameters().get(0).toFloatArray();
        LRScheduler.StateDict schedule = b.scheduler.stateDict();
        Generator.State shuffle = b.loader.generator().state();
        Runnable unchanged = () -> {
            assertArrayEquals(weights, b.model.parameters().get(0).toFloatArray());
            assertEquals(0.5, b.optimizer.paramGroups().getFirst().options().lr());
            assertEquals(schedule, b.scheduler.stateDict());
            assertEquals(shuffle, b.loader.generator().state());
        };
        // saved without schedulers or loaders; another kind of scheduler; other numbers of them; a loader that does not shuffle
        KilnException none = assertThrows(KilnException.class, () -> b.checkpoint.load(plain));
        assertTrue(none.getMessage().contains("no scheduler state"), none.getMessage());
        unchanged.run();
        LRScheduler exp = new LRScheduler.ExponentialLR(new SGD(model(3).parameters(), 0.1), 0.9);
        KilnException kind = assertThrows(KilnException.class,
                () -> Checkpoint.of(b.model, b.optimizer).withSchedulers(exp).withLoaders(b.loader).load(f));
        assertTrue(kind.getMessage().contains("StepLR") && kind.getMessage().contains("ExponentialLR"), kind.getMessage());
        unchanged.run();
        assertThrows(KilnException.class, () -> b.checkpoint.withSchedulers(b.scheduler, b.scheduler).load(f));
        DataLoader inOrder = DataLoader.of(new TensorDataset(Tensor.zeros(4, 2))).build();
        KilnException order = assertThrows(KilnException.class, () -> b.checkpoint.withLoaders(inOrder).load(f));
        assertTrue(order.getMessage().contains("does not shuffle"), order.getMessage());
        unchanged.run();
        // the optimizer refuses its part after the scheduler took its own: both go back
        SGD adamless = new SGD(b.model.parameters(), SGD.Options.lr(0.5));
        LRScheduler other = new LRScheduler.StepLR(adamless, 7, 0.1);
        LRScheduler.StateDict otherBefore = other.stateDict();
        assertThrows(KilnException.class, () -> Checkpoint.of(b.model, adamless).withSchedulers(other).load(f));
        assertEquals(otherBefore, other.stateDict());
        unchanged.run();
        // a file saved without them loads as before when they are left out; a part the file has but the call leaves out is skipped
        Checkpoint.of(b.model, b.optimizer).load(plain);
        Checkpoint.load(f, b.model, b.optimizer);
        assertEquals(0.1, b.optimizer.paramGroups().getFirst().initialLr().orElseThrow());
        assertEquals(schedule, b.scheduler.stateDict());
        assertThrows(KilnException.class, () -> Checkpoint.of(b.model, b.optimizer).withSchedulers((LRScheduler) null));
    }

    /** An optimizer with an int option, so a checkpoint's int options are read; it never moves a parameter. */
    static final class Warmup extends Optimizer<Warmup.Options> {
        /** The options: a learning rate and a whole number of steps. */
        public record Options(double lr, int warmup) implements Optimizer.Options<Options> {
            @Override
            public Options withLr(double v) {
                return new Options(v, warmup);
            }
        }

        Warmup(List<Tensor> params, Options options) {
            super(single(params, options));
        }

        @Override
        protected Map<String, Tensor> initialState(Tensor param, Options options) {
            return Map.of();
        }

        @Override
        protected Update update(Tensor param, Tensor grad, Map<String, Tensor> state, ParamGroup<Options> group) {
            return new Update(param, state);
        }
    }

    /** {@code f}'s tensors and metadata saved again as {@code name}, its optimizer JSON edited by {@code edit}. */
    private Path corrupted(Path f, String name, java.util.function.UnaryOperator<String> edit) {
        Map<String, String> meta = new java.util.HashMap<>(Safetensors.metadata(f));
        String before = meta.get("kiln.optimizer");
        meta.put("kiln.optimizer", edit.apply(before));
        assertNotEquals(before, meta.get("kiln.optimizer"));
        Path out = dir.resolve(name);
        Safetensors.save(out, Safetensors.load(f), meta);
        return out;
    }

    @Test
    void corruptOptimizerOptionsAreAKilnExceptionNamingTheFileAndTheField() {
        Sequential a = model(1);
        Adam adam = new Adam(a.parameters(), Adam.Options.lr(0.01));
        Path f = dir.resolve("adam.safetensors");
        Checkpoint.save(f, a, adam);
        Sequential b = model(2);
        float[] before = b.parameters().get(0).toFloatArray();
        Adam other = new Adam(b.parameters(), Adam.Options.lr(0.5));
        Path notAnObject = corrupted(f, "options-5.safetensors", j -> j.replaceFirst("\"options\":\\{[^}]*\\}", "\"options\":5"));
        String m = assertThrows(KilnException.class, () -> Checkpoint.load(notAnObject, b, other)).getMessage();
        assertTrue(m.contains(notAnObject.toString()) && m.contains("options of parameter group 0") && m.contains("not an object")
                && m.contains("CheckpointTest.java:"), m);
        assertArrayEquals(before, b.parameters().get(0).toFloatArray(), "the model is as it was");
        assertEquals(0.5, other.paramGroups().getFirst().options().lr());

        Warmup w = new Warmup(a.parameters(), new Warmup.Options(0.1, 3));
        Path g = dir.resolve("warmup.safetensors");
        Checkpoint.save(g, a, w);
        Warmup fresh = new Warmup(b.parameters(), new Warmup.Options(0.2, 1));
        Checkpoint.load(g, b, fresh);
        assertEquals(new Warmup.Options(0.1, 3), fresh.paramGroups().getFirst().options());
        Path tooLarge = corrupted(g, "warmup-large.safetensors", j -> j.replace("\"warmup\":3", "\"warmup\":99999999999"));
        m = assertThrows(KilnException.class, () -> Checkpoint.load(tooLarge, b, fresh)).getMessage();
        assertTrue(m.contains(tooLarge.toString()) && m.contains("option 'warmup'") && m.contains("99999999999")
                && m.contains("out of the range of int"), m);
        assertEquals(new Warmup.Options(0.1, 3), fresh.paramGroups().getFirst().options());
    }
}
