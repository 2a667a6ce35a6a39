package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.Attention;
import dev.kiln.nn.GRU;
import dev.kiln.nn.GRUCell;
import dev.kiln.nn.LSTM;
import dev.kiln.nn.LSTMCell;
import dev.kiln.nn.Module;
import dev.kiln.nn.MultiheadAttention;
import dev.kiln.nn.TensorOps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The sequence ops and modules against PyTorch 1.13 float64 fixtures (make_sequence_fixtures.py) to 1e-10,
 * eagerly and compiled: tril/triu, sort and topk (values, gradients and int64 indices), scaled dot-product
 * attention against the masked-softmax path, and nn.MultiheadAttention, nn.LSTM, nn.GRU and the cells loaded
 * from PyTorch's state dicts: every output, the inputs' gradients and every parameter's gradient.
 */
class SequenceParityTest {
    private static final Map<String, Tensor> F = ParityFixtures.load("/nn/sequence.safetensors");
    private static final Generator G = new Generator(1);
    private static final DType D = DType.FLOAT64;

    private static Map<String, Function<List<Tensor>, Tensor>> cases() {
        Map<String, Function<List<Tensor>, Tensor>> c = new LinkedHashMap<>();
        c.put("tril", in -> TensorOps.tril(in.get(0), 1));
        c.put("tril_neg", in -> TensorOps.tril(in.get(0), -2));
        c.put("triu", in -> TensorOps.triu(in.get(0), -1));
        c.put("triu_pos", in -> TensorOps.triu(in.get(0), 2));
        c.put("sort_desc_dim0", in -> TensorOps.sort(in.get(0), 0, true).values());
        c.put("sort_asc", in -> TensorOps.sort(in.get(0)).values());
        c.put("topk_largest", in -> TensorOps.topk(in.get(0), 3, 1, true).values());
        c.put("topk_smallest_dim0", in -> TensorOps.topk(in.get(0), 4, 0, false).values());
        c.put("sdpa_plain", in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2)));
        c.put("sdpa_causal", in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), null, 0, true, null));
        c.put("sdpa_bool_mask", in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2),
                F.get("const.sdpa_bool_mask.mask"), 0, false, null));
        c.put("sdpa_float_mask_scale", in -> Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2),
                F.get("const.sdpa_float_mask_scale.mask"), 0, false, 0.3));
        return c;
    }

    @Test
    void opsMatchPyTorchEagerly() {
        ParityFixtures.matchEagerly(F, cases());
    }

    @Test
    void opsMatchPyTorchCompiled() {
        ParityFixtures.matchCompiled(F, cases());
    }

    /** The unmasked cases again through the fused primitive (short sequences take the composite by default). */
    @Test
    void fusedAttentionMatchesPyTorchEagerlyAndCompiled() {
        Map<String, Function<List<Tensor>, Tensor>> fused = new java.util.LinkedHashMap<>();
        cases().forEach((name, f) -> {
            if (name.equals("sdpa_plain") || name.equals("sdpa_causal")) {
                fused.put(name, f);
            }
        });
        System.setProperty("kiln.attention.fusedMinScores", "0");
        try {
            ParityFixtures.matchEagerly(F, fused);
            ParityFixtures.matchCompiled(F, fused);
        } finally {
            System.clearProperty("kiln.attention.fusedMinScores");
        }
    }

    @Test
    void sortAndTopkIndicesArePyTorchs() {
        Map<String, Function<Tensor, Tensor>> idx = Map.of(
                "sort_desc_dim0", x -> TensorOps.sort(x, 0, true).indices(),
                "sort_asc", x -> TensorOps.argsort(x, -1, false),
                "topk_largest", x -> TensorOps.topk(x, 3, 1, true).indices(),
                "topk_smallest_dim0", x -> TensorOps.topk(x, 4, 0, false).indices());
        for (var e : idx.entrySet()) {
            Tensor x = F.get(e.getKey() + ".in0");
            Tensor want = F.get("const." + e.getKey() + ".indices");
            assertArrayEquals(want.toLongArray(), e.getValue().apply(x).toLongArray(), e.getKey());
            assertArrayEquals(want.toLongArray(), Kiln.compile(in -> e.getValue().apply(in[0])).call(x).toLongArray(),
                    e.getKey() + " compiled");
        }
    }

    /** A module case: how to build the module, and its flattened outputs from the inputs and masks. */
    private record ModuleCase(Supplier<Module> module, BiFunction<Module, List<Tensor>, List<Tensor>> run) {
    }

    private static Map<String, ModuleCase> modules() {
        Map<String, ModuleCase> c = new LinkedHashMap<>();
        c.put("mha_self_batch_first", new ModuleCase(() -> new MultiheadAttention(8, 2, 0, true, true, G, D), (m, in) -> {
            var o = ((MultiheadAttention) m).forward(in.get(0), in.get(0), in.get(0), in.get(2), true, in.get(1), true);
            return List.of(o.output(), o.weights());
        }));
        c.put("mha_cross_float_mask", new ModuleCase(() -> new MultiheadAttention(6, 3, 0, true, false, G, D), (m, in) -> {
            var o = ((MultiheadAttention) m).forward(in.get(0), in.get(1), in.get(2), null, true, in.get(3), false);
            return List.of(o.output(), o.weights());
        }));
        c.put("mha_unbatched_no_bias", new ModuleCase(() -> new MultiheadAttention(4, 1, 0, false, false, G, D),
                (m, in) -> List.of(((MultiheadAttention) m).forward(in.get(0), in.get(1), in.get(2), in.get(3), true, null, true).output())));
        c.put("lstm_2layer_bi_batch_first", new ModuleCase(() -> new LSTM(5, 4, 2, true, true, 0, true, G, D), (m, in) -> {
            var o = ((LSTM) m).forward(in.get(0), in.get(1), in.get(2));
            return List.of(o.output(), o.h(), o.c());
        }));
        c.put("lstm_unbatched_no_bias", new ModuleCase(() -> new LSTM(3, 5, 1, false, false, 0, false, G, D), (m, in) -> {
            var o = ((LSTM) m).forward(in.get(0), null, null);
            return List.of(o.output(), o.h(), o.c());
        }));
        c.put("gru_2layer_bi", new ModuleCase(() -> new GRU(4, 3, 2, true, false, 0, true, G, D), (m, in) -> {
            var o = ((GRU) m).forward(in.get(0), in.get(1));
            return List.of(o.output(), o.h());
        }));
        c.put("gru_batch_first", new ModuleCase(() -> new GRU(3, 6, 1, true, true, 0, false, G, D), (m, in) -> {
            var o = ((GRU) m).forward(in.get(0), null);
            return List.of(o.output(), o.h());
        }));
        c.put("lstm_cell", new ModuleCase(() -> new LSTMCell(4, 5, true, G, D), (m, in) -> {
            var o = ((LSTMCell) m).forward(in.get(0), in.get(1), in.get(2));
            return List.of(o.h(), o.c());
        }));
        c.put("gru_cell_no_bias", new ModuleCase(() -> new GRUCell(4, 5, false, G, D),
                (m, in) -> List.of(((GRUCell) m).forward(in.get(0), in.get(1)))));
        c.put("lstm_dropout_eval", new ModuleCase(() -> new LSTM(3, 4, 3, true, false, 0.3, false, G, D).eval(),
                (m, in) -> List.of(m.forward(in.get(0)))));
        return c;
    }

    private static Tensor flat(List<Tensor> outs) {
        List<Tensor> flat = new ArrayList<>();
        for (Tensor o : outs) {
            flat.add(o.reshape(-1));
        }
        return Tensor.cat(flat, 0);
    }

    private static void matchModules(boolean compiled) {
        for (var e : modules().entrySet()) {
            String name = e.getKey();
            String p = "const." + name + ".";
            Module m = e.getValue().module().get();
            Map<String, Tensor> state = new HashMap<>();
            for (var kv : F.entrySet()) {
                if (kv.getKey().startsWith(p + "state.")) {
                    state.put(kv.getKey().substring((p + "state.").length()), kv.getValue());
                }
            }
            m.loadStateDict(state, true);
            List<Tensor> in = new ArrayList<>();
            int inputs = 0;
            for (; F.containsKey(p + "in" + inputs); inputs++) {
                in.add(F.get(p + "in" + inputs).clone().requiresGrad_(true));
            }
            for (int k = 0; F.containsKey(p + "mask" + k); k++) {
                in.add(F.get(p + "mask" + k));
            }
            Tensor g = F.get(p + "g");
            Function<Tensor[], Tensor> step = args -> {
                Tensor y = flat(e.getValue().run().apply(m, in));
                y.mul(g).sum().backward();
                return y;
            };
            String how = compiled ? " compiled" : " eager";
            Tensor y = compiled ? Kiln.compile(step::apply).call() : step.apply(new Tensor[0]);
            ParityFixtures.close(F.get(p + "out"), y, name + how + " outputs");
            for (int k = 0; k < inputs; k++) {
                ParityFixtures.close(F.get(p + "grad_in" + k), in.get(k).grad(), name + how + " gradient of input " + k);
            }
            for (var kv : m.namedParameters().entrySet()) {
                ParityFixtures.close(F.get(p + "grad." + kv.getKey()), kv.getValue().grad(), name + how + " gradient of " + kv.getKey());
            }
        }
    }

    @Test
    void modulesMatchPyTorchEagerly() {
        matchModules(false);
    }

    @Test
    void modulesMatchPyTorchCompiled() {
        matchModules(true);
    }
}
