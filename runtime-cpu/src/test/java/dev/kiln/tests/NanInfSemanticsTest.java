package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Reduction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * NaN, +Inf and −Inf through every op against PyTorch 1.13 (resources/nan/make_fixtures.py wrote the
 * values and gradients), in float64 and float32: eagerly on whole tensors (compiled eager kernels, the
 * Vector API in float32), eagerly one row at a time (the interpreter), compiled forward only, and
 * compiled with the backward. NaN must meet NaN and an infinity the same infinity; other values agree
 * to 1e-10 (float64) or 1e-5 (float32), relative above 1.
 */
class NanInfSemanticsTest {
    static final Map<String, Tensor> F = load();

    static Map<String, Tensor> load() {
        try {
            return Safetensors.load(Path.of(NanInfSemanticsTest.class.getResource("/nan/nan_inf.safetensors").toURI()),
                    dev.kiln.Kiln.defaultDevice());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A case: its differentiable inputs (by name), the op on them and the constants, and whether row r of the value depends on row r alone. */
    record Case(List<String> inputs, BiFunction<List<Tensor>, Map<String, Tensor>, Tensor> fn, boolean rowwise) {
    }

    static final Map<String, Case> CASES = new LinkedHashMap<>();

    static void add(String name, String input, java.util.function.UnaryOperator<Tensor> fn) {
        CASES.put(name, new Case(List.of(input), (in, c) -> fn.apply(in.get(0)), true));
    }

    static void add(String name, List<String> inputs, boolean rowwise, BiFunction<List<Tensor>, Map<String, Tensor>, Tensor> fn) {
        CASES.put(name, new Case(inputs, fn, rowwise));
    }

    static final int IGNORE = Functional.IGNORE_INDEX;
    static final List<String> XY = List.of("X", "Y");

    static {
        add("relu", "X", Tensor::relu);
        add("leaky_relu", "X", x -> Functional.leakyRelu(x, 0.1));
        add("gelu", "X", x -> Functional.gelu(x, "none"));
        add("gelu_tanh", "X", x -> Functional.gelu(x, "tanh"));
        add("silu", "X", Functional::silu);
        add("softplus", "X", x -> Functional.softplus(x, 1, 20));
        add("softplus_beta", "X", x -> Functional.softplus(x, 2, 5));
        add("sigmoid", "X", Tensor::sigmoid);
        add("tanh", "X", Tensor::tanh);
        add("abs", "X", Tensor::abs);
        add("neg", "X", Tensor::neg);
        add("exp", "X", Tensor::exp);
        add("log", "X", Tensor::log);
        add("sqrt", "X", Tensor::sqrt);
        add("log1p", "X", Tensor::log1p);
        add("expm1", "X", Tensor::expm1);
        add("erf", "X", Tensor::erf);
        add("sin", "X", Tensor::sin);
        add("pow2", "X", x -> x.pow(2));
        add("pow3", "X", x -> x.pow(3));
        add("clamp", "X", x -> x.clamp(-1.0, 0.5));
        add("clamp_min", "X", x -> x.clampMin(-1.0));
        add("clamp_max", "X", x -> x.clampMax(0.5));
        add("add", XY, true, (in, c) -> in.get(0).add(in.get(1)));
        add("mul", XY, true, (in, c) -> in.get(0).mul(in.get(1)));
        add("div", XY, true, (in, c) -> in.get(0).div(in.get(1)));
        add("maximum", XY, true, (in, c) -> in.get(0).maximum(in.get(1)));
        add("minimum", XY, true, (in, c) -> in.get(0).minimum(in.get(1)));
        add("where", XY, true, (in, c) -> Tensor.where(c.get("X").gt(0), in.get(0), in.get(1)));
        add("masked_fill", List.of("X"), true, (in, c) -> in.get(0).maskedFill(c.get("Y").gt(0), -2.0));

        add("amax1", "R", r -> r.amax(1));
        add("amax0", List.of("R"), false, (in, c) -> in.get(0).amax(0));
        add("amin1", "R", r -> r.amin(1));
        add("amin0_keep", List.of("R"), false, (in, c) -> in.get(0).amin(0, true));
        add("max_all", List.of("R"), false, (in, c) -> in.get(0).max());
        add("min_all", List.of("R"), false, (in, c) -> in.get(0).min());
        add("max_all_no_nan", List.of("R_NO_NAN"), false, (in, c) -> in.get(0).max());
        add("min_all_no_nan", List.of("R_NO_NAN"), false, (in, c) -> in.get(0).min());
        add("amax_all_no_nan", List.of("R_NO_NAN"), false, (in, c) -> in.get(0).amax(new int[] {0, 1}, false));
        add("sum1", "R", r -> r.sum(1));
        add("mean1", "R", r -> r.mean(1));
        add("var1", "R", r -> r.var(1, false, true));
        add("softmax1", "R", r -> r.softmax(1));
        add("softmax0", List.of("R"), false, (in, c) -> in.get(0).softmax(0));
        add("log_softmax1", "R", r -> r.logSoftmax(1));
        add("logsumexp1", "R", r -> r.logsumexp(1, false));
        add("logsumexp0", List.of("R"), false, (in, c) -> in.get(0).logsumexp(0, false));
        add("argmax1", List.of(), true, (in, c) -> c.get("R").argmax(1, false));
        add("argmin1", List.of(), true, (in, c) -> c.get("R").argmin(1, false));
        add("argmax0", List.of(), false, (in, c) -> c.get("R").argmax(0, false));
        add("argmin0", List.of(), false, (in, c) -> c.get("R").argmin(0, false));
        add("argmax_all", List.of(), false, (in, c) -> c.get("R").argmax());
        add("argmax_all_no_nan", List.of(), false, (in, c) -> c.get("R_NO_NAN").argmax());
        add("argmin_all_no_nan", List.of(), false, (in, c) -> c.get("R_NO_NAN").argmin());

        add("mse_none", XY, true, (in, c) -> Functional.mseLoss(in.get(0), in.get(1), Reduction.NONE));
        add("mse_mean", List.of("X"), false, (in, c) -> Functional.mseLoss(in.get(0), c.get("T01"), Reduction.MEAN));
        add("l1_none", XY, true, (in, c) -> Functional.l1Loss(in.get(0), in.get(1), Reduction.NONE));
        add("huber_none", XY, true, (in, c) -> Functional.huberLoss(in.get(0), in.get(1), 1.0, Reduction.NONE));
        add("smooth_l1_none", XY, true, (in, c) -> Functional.smoothL1Loss(in.get(0), in.get(1), 0.5, Reduction.NONE));
        add("ce_none", List.of("LOGITS"), true,
                (in, c) -> Functional.crossEntropy(in.get(0), c.get("T"), null, IGNORE, 0, Reduction.NONE));
        add("ce_mean_ignore", List.of("LOGITS"), false,
                (in, c) -> Functional.crossEntropy(in.get(0), c.get("T_IGN"), null, IGNORE, 0, Reduction.MEAN));
        add("ce_none_ignore", List.of("LOGITS"), true,
                (in, c) -> Functional.crossEntropy(in.get(0), c.get("T_IGN"), null, IGNORE, 0, Reduction.NONE));
        add("ce_none_smoothing", List.of("LOGITS"), true,
                (in, c) -> Functional.crossEntropy(in.get(0), c.get("T"), null, IGNORE, 0.1, Reduction.NONE));
        add("ce_mean_ignored_nan_row", List.of("LOGITS_IGN"), false,
                (in, c) -> Functional.crossEntropy(in.get(0), c.get("T_IGN3"), null, IGNORE, 0, Reduction.MEAN));
        add("ce_sum_ignored_nan_row_smoothing", List.of("LOGITS_IGN"), false,
                (in, c) -> Functional.crossEntropy(in.get(0), c.get("T_IGN3"), null, IGNORE, 0.2, Reduction.SUM));
        add("nll_none", List.of("LOGP"), true, (in, c) -> Functional.nllLoss(in.get(0), c.get("T"), null, IGNORE, Reduction.NONE));
        add("nll_mean_ignore", List.of("LOGP"), false,
                (in, c) -> Functional.nllLoss(in.get(0), c.get("T_IGN"), null, IGNORE, Reduction.MEAN));
        add("nll_mean_ignored_nan_row", List.of("LOGP_IGN"), false,
                (in, c) -> Functional.nllLoss(in.get(0), c.get("T_IGN3"), null, IGNORE, Reduction.MEAN));
        add("bce_logits_none", List.of("X"), true,
                (in, c) -> Functional.binaryCrossEntropyWithLogits(in.get(0), c.get("T01"), null, null, Reduction.NONE));
        add("bce_logits_pos_weight", List.of("X"), true,
                (in, c) -> Functional.binaryCrossEntropyWithLogits(in.get(0), c.get("T01"), null, c.get("POS_W"), Reduction.NONE));
        add("bce_none", List.of("P01"), true, (in, c) -> Functional.binaryCrossEntropy(in.get(0), c.get("T01"), null, Reduction.NONE));
    }

    /** Eager on whole tensors, eager one row at a time, compiled without and with the backward. */
    enum Mode { EAGER, EAGER_ROWS, COMPILED_FORWARD, COMPILED }

    /** The fixture's inputs in {@code dtype} (class indices stay int64). */
    static Map<String, Tensor> constants(DType dtype) {
        Map<String, Tensor> c = new LinkedHashMap<>();
        for (var e : F.entrySet()) {
            if (e.getKey().startsWith("in.")) {
                Tensor t = e.getValue();
                c.put(e.getKey().substring(3), t.dtype().isFloating() ? t.to(dtype) : t);
            }
        }
        return c;
    }

    /** g[i] = 1 + (i % 7) / 8 in row-major order, as the fixture script's upstream gradient. */
    static Tensor upstream(dev.kiln.Shape shape, DType dtype) {
        int n = shape.numel();
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = 1 + (i % 7) / 8.0;
        }
        return Tensor.fromArray(g, shape, dtype);
    }

    static String key(DType dtype, String name, String what) {
        return (dtype == DType.FLOAT32 ? "f32." : "") + name + "." + what;
    }

    /** Runs every case in every mode and dtype; returns one line per mismatch. */
    static List<String> sweep() {
        List<String> bad = new ArrayList<>();
        for (DType dtype : List.of(DType.FLOAT64, DType.FLOAT32)) {
            Map<String, Tensor> consts = constants(dtype);
            for (String name : CASES.keySet()) {
                for (Mode mode : Mode.values()) {
                    try {
                        check(name, CASES.get(name), dtype, consts, mode, bad);
                    } catch (RuntimeException e) {
                        bad.add(name + " " + dtype + " " + mode + ": threw " + e);
                    }
                }
            }
        }
        return bad;
    }

    static void check(String name, Case cs, DType dtype, Map<String, Tensor> consts, Mode mode, List<String> bad) {
        Tensor out = F.get(key(dtype, name, "out"));
        Tensor g = upstream(out.shape(), dtype);
        String where = name + " " + dtype + " " + mode;
        switch (mode) {
            case EAGER -> runEagerly(cs, consts, g, out, dtype, name, where, -1, bad);
            case EAGER_ROWS -> {
                if (cs.rowwise()) {
                    eagerRowByRow(name, cs, dtype, consts, out, g, where, bad);
                }
            }
            case COMPILED_FORWARD -> {
                List<Tensor> in = cs.inputs().stream().map(consts::get).toList();
                compare(out, Kiln.compile(args -> cs.fn().apply(in, consts)).call(), dtype, where + " value", bad);
            }
            case COMPILED -> {
                List<Tensor> in = fresh(cs, consts);
                var f = Kiln.compile(args -> {
                    Tensor y = cs.fn().apply(in, consts);
                    if (!in.isEmpty()) {
                        y.mul(g).sum().backward();
                    }
                    return y;
                });
                compare(out, f.call(), dtype, where + " value", bad);
                grads(in, dtype, name, where, -1, bad);
            }
        }
    }

    /** One row at a time (under 64 elements, so eager ops run on the interpreter): every tensor with the rows' count is sliced. */
    static void eagerRowByRow(String name, Case cs, DType dtype, Map<String, Tensor> consts, Tensor out, Tensor g, String where,
            List<String> bad) {
        int rows = cs.inputs().isEmpty() ? out.size(0) : consts.get(cs.inputs().getFirst()).size(0);
        for (int r = 0; r < rows; r++) {
            Map<String, Tensor> row = new LinkedHashMap<>();
            for (var e : consts.entrySet()) {
                Tensor t = e.getValue();
                row.put(e.getKey(), t.dim() > 0 && t.size(0) == rows ? t.slice(0, r, r + 1, 1).contiguous() : t);
            }
            runEagerly(cs, row, g.slice(0, r, r + 1, 1).contiguous(), out.slice(0, r, r + 1, 1), dtype, name, where + " row " + r, r, bad);
        }
    }

    static List<Tensor> fresh(Case cs, Map<String, Tensor> consts) {
        return cs.inputs().stream().map(k -> consts.get(k).clone().requiresGrad_(true)).toList();
    }

    static void runEagerly(Case cs, Map<String, Tensor> consts, Tensor g, Tensor out, DType dtype, String name, String where, int row,
            List<String> bad) {
        List<Tensor> in = fresh(cs, consts);
        Tensor y = cs.fn().apply(in, consts);
        compare(out, y, dtype, where + " value", bad);
        if (!in.isEmpty()) {
            y.mul(g).sum().backward();
            grads(in, dtype, name, where, row, bad);
        }
    }

    static void grads(List<Tensor> in, DType dtype, String name, String where, int row, List<String> bad) {
        for (int k = 0; k < in.size(); k++) {
            Tensor expected = F.get(key(dtype, name, "grad" + k));
            if (row >= 0) {
                expected = expected.slice(0, row, row + 1, 1);
            }
            if (in.get(k).grad() == null) {
                bad.add(where + " gradient " + k + ": none");
            } else {
                compare(expected, in.get(k).grad(), dtype, where + " gradient " + k, bad);
            }
        }
    }

    /** NaN meets NaN, an infinity the same infinity, a number a number within the tolerance. */
    static void compare(Tensor expected, Tensor actual, DType dtype, String what, List<String> bad) {
        if (!expected.shape().equals(actual.shape())) {
            bad.add(what + ": shape " + actual.shape() + ", expected " + expected.shape());
            return;
        }
        if (!expected.dtype().isFloating()) {
            if (!java.util.Arrays.equals(expected.toLongArray(), actual.toLongArray())) {
                bad.add(what + ": " + java.util.Arrays.toString(actual.toLongArray()) + ", expected "
                        + java.util.Arrays.toString(expected.toLongArray()));
            }
            return;
        }
        double tol = dtype == DType.FLOAT32 ? 1e-5 : 1e-10;
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : Double.isInfinite(e[i]) ? e[i] == a[i]
                    : Double.isFinite(a[i]) && Math.abs(e[i] - a[i]) <= tol * Math.max(1, Math.abs(e[i]));
            if (!ok) {
                bad.add(what + " [" + i + "]: " + a[i] + ", expected " + e[i]);
            }
        }
    }

    @Test
    void everyCaseHasItsFixture() {
        long fixtures = F.keySet().stream().filter(k -> !k.startsWith("f32.") && k.endsWith(".out")).count();
        assertEquals(fixtures, CASES.size(), "every PyTorch case is checked");
        for (var e : CASES.entrySet()) {
            for (int k = 0; k < 3; k++) {
                assertEquals(k < e.getValue().inputs().size(), F.containsKey(e.getKey() + ".grad" + k), e.getKey() + " gradient " + k);
            }
        }
    }

    @Test
    void oneNanFeatureMakesTheLossNaNAsTheWeightsItPoisons() {
        // the issue's trap: relu mapped NaN to 0, so the loss stayed finite while the first layer's gradient was NaN
        for (boolean compiled : List.of(false, true)) {
            Kiln.manualSeed(3);
            Linear first = new Linear(3, 4, DType.FLOAT64);
            Linear second = new Linear(4, 1, DType.FLOAT64);
            Tensor x = Tensor.fromArray(new double[] {1, Double.NaN, 2, 0.5, -1, 3}, dev.kiln.Shape.of(2, 3), DType.FLOAT64);
            dev.kiln.Step step = in -> {
                Tensor loss = second.forward(first.forward(x).relu()).pow(2).sum();
                loss.backward();
                return loss;
            };
            Tensor loss = compiled ? Kiln.compile(step).apply() : step.apply();
            assertTrue(Double.isNaN(loss.item()), "the loss shows the NaN (compiled " + compiled + ")");
            assertTrue(Double.isNaN(first.weight.grad().toDoubleArray()[1]), "and so does the gradient it came with");
        }
    }

    @Test
    void binaryCrossEntropyRefusesNanProbabilitiesAsPytorchDoes() {
        Tensor p = Tensor.of(0.5, Double.NaN, 0.25);
        KilnException e = assertThrows(KilnException.class,
                () -> Functional.binaryCrossEntropy(p, Tensor.of(1.0, 0.0, 1.0), null, Reduction.MEAN));
        assertTrue(e.getMessage().contains("probabilities in [0, 1], got NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("NanInfSemanticsTest.java"), "names the user's line: " + e.getMessage());
    }

    @Test
    void everyOpMatchesPytorchOnNanAndInfinities() {
        List<String> bad = sweep();
        assertTrue(bad.isEmpty(), bad.size() + " mismatches:\n" + String.join("\n", bad));
    }
}
