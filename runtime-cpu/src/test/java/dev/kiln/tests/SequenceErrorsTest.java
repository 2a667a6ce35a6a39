package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Attention;
import dev.kiln.nn.GRUCell;
import dev.kiln.nn.Generation;
import dev.kiln.nn.GenerationConfig;
import dev.kiln.nn.LSTM;
import dev.kiln.nn.LSTMCell;
import dev.kiln.nn.MultiheadAttention;
import dev.kiln.nn.TensorOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad masks, topk sizes, multinomial weights and recurrent inputs: a KilnException naming the problem (expected
 * and got) and the user's line, eagerly and while tracing, with generators and parameters unchanged.
 */
class SequenceErrorsTest {
    private static final Tensor Q = Tensor.zeros(Shape.of(2, 5, 4), DType.FLOAT64);
    private static final Tensor K = Tensor.zeros(Shape.of(2, 7, 4), DType.FLOAT64);

    private static String fails(Executable e, String... parts) {
        String m = assertThrows(KilnException.class, e).getMessage();
        for (String p : parts) {
            assertTrue(m.contains(p), "expected \"" + p + "\" in: " + m);
        }
        assertTrue(m.contains("SequenceErrorsTest.java:"), "the user's line in: " + m);
        return m;
    }

    @Test
    void anAttentionMaskOfTheWrongShapeOrDtypeIsRefused() {
        Tensor intMask = Tensor.zeros(Shape.of(5, 7), DType.INT64);
        fails(() -> Attention.scaledDotProductAttention(Q, K, K, intMask, 0, false, null), "attn_mask must be bool", "int64");
        Tensor wrong = Tensor.zeros(Shape.of(7, 5), DType.BOOL);
        fails(() -> Attention.scaledDotProductAttention(Q, K, K, wrong, 0, false, null), "[7, 5]", "[..., 5, 7]");
        fails(() -> Kiln.compile(in -> Attention.scaledDotProductAttention(in[0], in[1], in[1], wrong, 0, false, null)).call(Q, K),
                "cannot broadcast");
        fails(() -> Attention.scaledDotProductAttention(Q, K, K, Tensor.zeros(Shape.of(5, 7), DType.BOOL), 0, true, null),
                "should not be set when is_causal=True");
        var mha = new MultiheadAttention(4, 2, 0, true, true, new Generator(1), DType.FLOAT64);
        fails(() -> mha.forward(Q, K, K, null, true, Tensor.zeros(Shape.of(7, 5), DType.BOOL), true),
                "2D attn_mask is [7, 5], but should be [5, 7]");
        fails(() -> mha.forward(Q, K, K, Tensor.zeros(Shape.of(2, 5), DType.BOOL), true, null, true),
                "key_padding_mask shape of [2, 7], but got [2, 5]");
        fails(() -> mha.forward(Q, K, K, null, true, Tensor.zeros(Shape.of(5, 7), DType.FLOAT32), true), "attn_mask", "float32");
    }

    @Test
    void topkLargerThanTheDimensionIsRefused() {
        Tensor x = Tensor.zeros(Shape.of(3, 4), DType.FLOAT64);
        fails(() -> TensorOps.topk(x, 5), "k out of range", "k=5", "size 4");
        fails(() -> Kiln.compile(in -> TensorOps.topk(in[0], 4, 0, true).values()).call(x), "k=4", "size 3");
        fails(() -> TensorOps.sort(x, 2, false), "dimension out of range", "got 2");
    }

    @Test
    void multinomialOverNegativeOrAllZeroWeightsIsRefusedBeforeAnythingIsDrawn() {
        Generator g = new Generator(3);
        var before = g.state();
        fails(() -> TensorOps.multinomial(Tensor.of(0.5, -0.1, 1), 1, true, g), "element < 0", "-0.1", "category 1");
        fails(() -> TensorOps.multinomial(Tensor.of(1.0, 1, 0, 0, 0, 0).reshape(2, 3), 1, true, g), "sum of probabilities <= 0", "row 1");
        fails(() -> TensorOps.multinomial(Tensor.of(1.0, 0, 1), 3, false, g), "not enough non-negative category", "2 categories");
        fails(() -> TensorOps.multinomial(Tensor.of(1.0, 2), 3, false, g), "n_sample > prob_dist.size(-1)");
        fails(() -> TensorOps.multinomial(Tensor.of(1.0, 2), 0, true, g), "numSamples=0");
        assertEquals(before, g.state(), "nothing drawn");
    }

    @Test
    void samplingWithoutAGeneratorIsRefusedAsGenerateRefusesIt() {
        Tensor logits = Tensor.of(0.5, 2.0, -1.0);
        fails(() -> Generation.sample(logits, GenerationConfig.sampling(1, 1.0, 0, 1.0), null), "Generation.sample",
                "sampling needs a generator");
        assertEquals(1, Generation.sample(logits, GenerationConfig.greedy(1), null), "greedy needs none");
    }

    @Test
    void aCellStateOfAnotherDtypeThanTheInputIsRefusedAsForLstmAndGru() {
        // PyTorch's LSTMCell/GRUCell raise "mat1 and mat2 must have the same dtype" for a float64 state and a float32 input
        var lstm = new LSTMCell(3, 4, true, new Generator(1), DType.FLOAT32);
        var gru = new GRUCell(3, 4, true, new Generator(1), DType.FLOAT32);
        Tensor x = Tensor.zeros(Shape.of(2, 3), DType.FLOAT32);
        Tensor h32 = Tensor.zeros(Shape.of(2, 4), DType.FLOAT32);
        Tensor h64 = Tensor.zeros(Shape.of(2, 4), DType.FLOAT64);
        fails(() -> lstm.forward(x, h64, h32), "LSTMCell", "hx is float64 but the input is float32");
        fails(() -> lstm.forward(x, h32, h64), "LSTMCell", "cx is float64 but the input is float32");
        fails(() -> gru.forward(x, h64), "GRUCell", "hx is float64 but the input is float32");
        fails(() -> Kiln.compile(in -> gru.forward(in[0], in[1])).call(x, h64), "hx is float64");
        assertEquals(Shape.of(2, 4), gru.forward(x, h32).shape());
    }

    @Test
    void anLstmInputOfTheWrongFeatureSizeOrBatchLayoutNamesTheLayerAndShape() {
        var lstm = new LSTM(5, 4, 1, true, true, 0, false, new Generator(1), DType.FLOAT64);
        double[] weights = lstm.namedParameters().get("weight_ih_l0").toDoubleArray();
        Tensor wrongFeatures = Tensor.zeros(Shape.of(3, 6, 7), DType.FLOAT64);
        fails(() -> lstm.forward(wrongFeatures), "LSTM(5, 4, batch_first=True)", "Expected 5, got 7", "[N, T, features]");
        fails(() -> Kiln.compile(in -> lstm.forward(in[0])).call(wrongFeatures), "Expected 5, got 7");
        // a sequence-first [T=6, N=3, F] input given to a batch-first LSTM with states for batch 3
        Tensor seqFirst = Tensor.zeros(Shape.of(6, 3, 5), DType.FLOAT64);
        Tensor h0 = Tensor.zeros(Shape.of(1, 3, 4), DType.FLOAT64);
        fails(() -> lstm.forward(seqFirst, h0, h0), "Expected hidden[0] size [1, 6, 4], got [1, 3, 4]", "batch_first=True");
        fails(() -> lstm.forward(Tensor.zeros(Shape.of(2, 3, 4, 5), DType.FLOAT64)), "2-D or 3-D", "4-D");
        fails(() -> new GRUCell(3, 2).forward(Tensor.zeros(Shape.of(4, 3), DType.FLOAT32), Tensor.zeros(Shape.of(5, 2), DType.FLOAT32)),
                "hx must be of shape [4, 2]", "got [5, 2]");
        assertArrayEquals(weights, lstm.namedParameters().get("weight_ih_l0").toDoubleArray(), 0.0);
    }
}
