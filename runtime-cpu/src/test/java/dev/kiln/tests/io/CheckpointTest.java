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
import dev.kiln.io.Checkpoint;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.nio.file.Path;
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
}
