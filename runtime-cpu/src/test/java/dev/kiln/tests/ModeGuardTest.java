package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Inference;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.SGD;
import org.junit.jupiter.api.Test;

/**
 * A compiled function follows the train/eval mode of every module whose mode its trace read (as
 * {@code torch.compile} guards {@code module.training}): static plans, dynamic ones and
 * {@link Inference} alike, with one plan per mode kept.
 */
class ModeGuardTest {
    /** {@code x·2} in training mode, {@code x} in eval mode: a module that branches on its mode, as dropout does. */
    static final class Doubler extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return isTraining() ? x.mul(2.0) : x;
        }
    }

    private static Sequential model() {
        return new Sequential(new Linear(3, 4, true, new Generator(1)), new Doubler(), new Linear(4, 1, true, new Generator(2)));
    }

    private static final Tensor X = Tensor.randn(Shape.of(5, 3), DType.FLOAT32, new Generator(3));
    private static final Tensor Y = Tensor.randn(Shape.of(5, 1), DType.FLOAT32, new Generator(4));

    /** The forward run eagerly (compiled loops may round differently: compared to 1e-6; the modes differ by 2×). */
    private static float[] eager(Sequential m) {
        try (var noGrad = Kiln.noGrad()) {
            return m.forward(X).toFloatArray();
        }
    }

    @Test
    void aStaticForwardFollowsEachModeAndKeepsOnePlanPerMode() {
        Sequential m = model();
        CompiledFunction forward = Kiln.compile(in -> {
            try (var noGrad = Kiln.noGrad()) {
                return m.forward(in[0]);
            }
        });
        for (int i = 0; i < 10; i++) {
            if (i % 2 == 0) {
                m.train();
            } else if (i % 4 == 1) {
                m.eval();
            } else {
                m.get(1).eval(); // the mode of the module that reads it, not of its parent
            }
            assertArrayEquals(eager(m), forward.call(X).toFloatArray(), 1e-6f, "call " + i + ", training " + m.get(1).isTraining());
            if (i == 1) {
                assertTrue(forward.explainLastMiss().contains("Doubler in training mode"), forward.explainLastMiss());
            }
        }
        assertEquals(2, forward.compilations(), "one plan per mode, both kept");
        assertEquals(0, forward.stats().evictions());
    }

    @Test
    void aTrainingStepFollowsTheModeStaticAndDynamic() {
        for (CompiledFunction.Mode mode : CompiledFunction.Mode.values()) {
            Sequential a = model();
            Sequential b = model();
            SGD optA = new SGD(a.parameters(), 0.05, 0.9);
            SGD optB = new SGD(b.parameters(), 0.05, 0.9);
            CompiledFunction step = Kiln.compile(in -> {
                optB.zeroGrad();
                Tensor loss = b.forward(in[0]).sub(in[1]).pow(2).mean();
                loss.backward();
                optB.step();
                return loss;
            }, mode);
            for (int i = 0; i < 6; i++) {
                boolean training = i % 3 != 2;
                for (Module m : new Module[] {a, b}) {
                    if (training) {
                        m.train();
                    } else {
                        m.eval();
                    }
                }
                optA.zeroGrad();
                Tensor loss = a.forward(X).sub(Y).pow(2).mean();
                loss.backward();
                optA.step();
                assertEquals(loss.item(), step.call(X, Y).item(), 1e-5, mode + " step " + i);
            }
            for (int p = 0; p < a.parameters().size(); p++) {
                assertArrayEquals(a.parameters().get(p).toFloatArray(), b.parameters().get(p).toFloatArray(), 1e-5f, mode.toString());
            }
            assertEquals(2, step.compilations(), mode + ": one plan per mode");
        }
    }

    @Test
    void inferenceFollowsTheMode() {
        Sequential m = model();
        m.eval();
        Inference serve = Inference.of(m::forward).rowShape(3).batchSizes(5).build();
        for (int i = 0; i < 4; i++) {
            if (i % 2 == 1) {
                m.train();
            } else {
                m.eval();
            }
            assertArrayEquals(eager(m), serve.run(X).toFloatArray(), 1e-6f, "training " + m.isTraining());
        }
        assertEquals(2, serve.compilations());
    }

    @Test
    void plansOfOtherModesAreBoundedByTheCache() {
        Sequential m = model();
        CompiledFunction forward = Kiln.compile(in -> {
            try (var noGrad = Kiln.noGrad()) {
                return m.forward(in[0]);
            }
        }, CompiledFunction.Mode.STATIC, 1);
        for (int i = 0; i < 6; i++) {
            if (i % 2 == 0) {
                m.train();
            } else {
                m.eval();
            }
            assertArrayEquals(eager(m), forward.call(X).toFloatArray(), 1e-6f);
        }
        assertEquals(6, forward.compilations(), "room for one plan: each switch compiles again");
        assertEquals(5, forward.stats().evictions(), "and the other mode's plan is evicted");
    }
}
