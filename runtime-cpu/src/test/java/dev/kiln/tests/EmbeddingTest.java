package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Reduction;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** {@code Embedding}'s padding index and {@code fromPretrained}, as {@code torch.nn.Embedding}. */
class EmbeddingTest {
    /** A bag-of-words classifier: embeddings averaged over the sequence, then a linear layer. */
    static final class Bag extends Module {
        final Embedding emb;
        final Linear head;

        Bag(Embedding emb) {
            this.emb = module("emb", emb);
            this.head = module("head", new Linear(emb.weight.size(1), 3, DType.FLOAT64));
        }

        @Override
        public Tensor forward(Tensor tokens) {
            return head.forward(emb.forward(tokens).mean(1));
        }
    }

    static final Tensor TOKENS = Tensor.of(1, 0, 4, 0, 2, 2, 0, 3, 1, 5, 0, 0).reshape(3, 4);
    static final Tensor LABELS = Tensor.of(0, 2, 1);

    @Test
    void thePaddingRowStartsAtZeroAndANegativeIndexCountsFromTheEnd() {
        Embedding e = new Embedding(6, 4, -2, DType.FLOAT64);
        assertEquals(OptionalInt.of(4), e.paddingIdx());
        assertArrayEquals(new double[4], e.weight.select(0, 4).toDoubleArray());
        assertTrue(Math.abs(e.weight.select(0, 3).toDoubleArray()[0]) > 0);
        assertEquals("Embedding(6, 4, padding_idx=4)", e.toString());
        for (int bad : new int[] {6, -7}) {
            var ex = assertThrows(KilnException.class, () -> new Embedding(6, 4, bad));
            assertTrue(ex.getMessage().contains("paddingIdx must be within num_embeddings: expected [-6, 6), got " + bad)
                    && ex.getMessage().contains("EmbeddingTest.java"), ex.getMessage());
        }
    }

    @Test
    void thePaddingRowStaysExactlyZeroThroughTrainingEagerAndCompiled() {
        for (boolean compiled : new boolean[] {false, true}) {
            Kiln.defaultGenerator().manualSeed(5);
            Bag model = new Bag(new Embedding(6, 4, 0, DType.FLOAT64));
            double[] before = model.emb.weight.toDoubleArray();
            SGD opt = new SGD(model.parameters(), SGD.Options.lr(0.5).withMomentum(0.9));
            dev.kiln.Step step = args -> {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.forward(TOKENS), LABELS, null, Functional.IGNORE_INDEX, 0, Reduction.MEAN);
                loss.backward();
                opt.step();
                return loss;
            };
            dev.kiln.Step run = compiled ? Kiln.compile(step) : step;
            for (int i = 0; i < 4; i++) {
                run.apply();
            }
            double[] after = model.emb.weight.toDoubleArray();
            assertArrayEquals(new double[4], model.emb.weight.select(0, 0).toDoubleArray(), "compiled " + compiled);
            assertArrayEquals(new double[4], model.emb.weight.grad().select(0, 0).toDoubleArray(), "compiled " + compiled);
            assertFalse(java.util.Arrays.equals(before, after), "the other rows train");
        }
    }

    @Test
    void fromPretrainedSharesTheWeightsAndFreezesThemByDefault() {
        Tensor vectors = Tensor.randn(Shape.of(6, 4), DType.FLOAT64, new dev.kiln.Generator(3));
        double[] pretrained = vectors.toDoubleArray();
        Embedding frozen = Embedding.fromPretrained(vectors, true, 0);
        assertFalse(frozen.weight.requiresGrad());
        assertEquals(1, frozen.parameters().size(), "a frozen weight is still a parameter, as in PyTorch");
        // the pretrained padding row is kept, not zeroed (PyTorch's from_pretrained does not reset it)
        assertArrayEquals(java.util.Arrays.copyOf(pretrained, 4), frozen.weight.select(0, 0).toDoubleArray());
        Bag model = new Bag(frozen);
        Adam opt = new Adam(model.parameters(), Adam.Options.lr(0.1));
        for (boolean compiled : new boolean[] {false, true}) {
            dev.kiln.Step step = args -> {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.forward(TOKENS), LABELS, null, Functional.IGNORE_INDEX, 0, Reduction.MEAN);
                loss.backward();
                opt.step();
                return loss;
            };
            (compiled ? Kiln.compile(step) : step).apply();
            assertArrayEquals(pretrained, frozen.weight.toDoubleArray(), "frozen, compiled " + compiled);
            assertNull(frozen.weight.grad());
        }

        Embedding trained = Embedding.fromPretrained(vectors, false);
        assertTrue(trained.weight.requiresGrad());
        try (var noGrad = Kiln.noGrad()) {
            trained.weight.mul_(2.0);
        }
        assertEquals(2 * pretrained[5], vectors.toDoubleArray()[5], 0.0, "the storage is shared, as PyTorch's _weight");
        var ex = assertThrows(KilnException.class, () -> Embedding.fromPretrained(Tensor.zeros(Shape.of(6), DType.FLOAT64), true));
        assertTrue(ex.getMessage().contains("expected to be 2-dimensional") && ex.getMessage().contains("[6]"), ex.getMessage());
        assertThrows(KilnException.class, () -> Embedding.fromPretrained(vectors, true, 6));
    }
}
