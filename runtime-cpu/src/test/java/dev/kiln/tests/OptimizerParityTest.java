package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays PyTorch's optimizer trajectories (resources/optim/optimizer_trajectories.txt, written
 * by make_fixtures.py beside it) on the same tiny float64 problem.
 */
class OptimizerParityTest {
    private static final Tensor X = Tensor.fromArray(new double[] {0.5, -1.0, 2.0, 1.5, 0.25, -0.5, -2.0, 1.0, 0.75, 0.1, 0.2, 0.3},
            Shape.of(4, 3), DType.FLOAT64);
    private static final Tensor T = Tensor.fromArray(new double[] {0.3, -0.2, 0.0, 0.5, -0.7, 0.1, 0.25, 0.25},
            Shape.of(4, 2), DType.FLOAT64);
    private static final double[] W0 = {0.1, -0.3, 0.2, 0.4, -0.5, 0.05};
    private static final double[] B0 = {0.01, -0.02};

    /** The configurations of make_fixtures.py, by name. */
    private static final Map<String, Function<List<Tensor>, Optimizer<?>>> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("sgd", p -> new SGD(p, SGD.Options.lr(0.1)));
        CONFIGS.put("sgd_momentum", p -> new SGD(p, 0.1, 0.9));
        CONFIGS.put("sgd_dampening", p -> new SGD(p, SGD.Options.lr(0.1).withMomentum(0.9).withDampening(0.3)));
        CONFIGS.put("sgd_nesterov", p -> new SGD(p, SGD.Options.lr(0.1).withMomentum(0.8).withNesterov(true)));
        CONFIGS.put("sgd_weight_decay", p -> new SGD(p, SGD.Options.lr(0.1).withMomentum(0.5).withWeightDecay(0.1)));
        CONFIGS.put("sgd_maximize", p -> new SGD(p, SGD.Options.lr(0.05).withMaximize(true)));
        CONFIGS.put("rmsprop", p -> new RMSprop(p, 0.01));
        CONFIGS.put("rmsprop_centered", p -> new RMSprop(p, RMSprop.Options.lr(0.01).withCentered(true)));
        CONFIGS.put("rmsprop_momentum", p -> new RMSprop(p, RMSprop.Options.lr(0.01).withMomentum(0.9).withAlpha(0.9)));
        CONFIGS.put("rmsprop_weight_decay", p -> new RMSprop(p, RMSprop.Options.lr(0.01).withWeightDecay(0.1).withEps(1e-3)));
        CONFIGS.put("rmsprop_all", p -> new RMSprop(p, RMSprop.Options.lr(0.01).withCentered(true).withMomentum(0.5)
                .withWeightDecay(0.1).withMaximize(true)));
        CONFIGS.put("adam", p -> new Adam(p, Adam.Options.lr(0.01)));
        CONFIGS.put("adam_amsgrad", p -> new Adam(p, Adam.Options.lr(0.01).withAmsgrad(true)));
        CONFIGS.put("adam_weight_decay", p -> new Adam(p, Adam.Options.lr(0.01).withWeightDecay(0.1).withBetas(0.8, 0.9)));
        CONFIGS.put("adam_maximize", p -> new Adam(p, Adam.Options.lr(0.01).withMaximize(true).withEps(1e-4)));
        CONFIGS.put("adamw", p -> new AdamW(p, AdamW.defaults(0.01)));
        CONFIGS.put("adamw_amsgrad", p -> new AdamW(p, AdamW.defaults(0.01).withAmsgrad(true).withWeightDecay(0.1)));
        CONFIGS.put("adam_groups", p -> new Adam(List.of(new Optimizer.ParamGroup<>(List.of(p.get(0)), Adam.Options.lr(0.01)),
                new Optimizer.ParamGroup<>(List.of(p.get(1)), Adam.Options.lr(0.1)))));
        CONFIGS.put("sgd_groups", p -> new SGD(List.of(new Optimizer.ParamGroup<>(List.of(p.get(0)), SGD.Options.lr(0.05).withMomentum(0.9)),
                new Optimizer.ParamGroup<>(List.of(p.get(1)), SGD.Options.lr(0.5).withMomentum(0.9)))));
    }

    private record Row(String config, int step, String param, double[] values) {
    }

    private static List<Row> fixture() throws IOException {
        try (InputStream in = OptimizerParityTest.class.getResourceAsStream("/optim/optimizer_trajectories.txt")) {
            List<Row> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split(" ");
                double[] v = new double[f.length - 3];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Double.parseDouble(f[i + 3]);
                }
                rows.add(new Row(f[0], Integer.parseInt(f[1]), f[2], v));
            }
            return rows;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyConfigurationFollowsPyTorch() throws IOException {
        List<Row> rows = fixture();
        assertEquals(CONFIGS.keySet(), new java.util.LinkedHashSet<>(rows.stream().map(Row::config).toList()));
        return CONFIGS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Tensor w = Tensor.fromArray(W0, Shape.of(3, 2), DType.FLOAT64).requiresGrad_(true);
            Tensor b = Tensor.fromArray(B0, Shape.of(2), DType.FLOAT64).requiresGrad_(true);
            Optimizer<?> opt = e.getValue().apply(List.of(w, b));
            List<Row> expected = rows.stream().filter(r -> r.config().equals(e.getKey())).toList();
            int checked = 0;
            for (int step = 1; step <= 6; step++) {
                opt.zeroGrad();
                X.matmul(w).add(b).tanh().sub(T).pow(2).sum().backward();
                opt.step();
                for (Row r : expected) {
                    if (r.step() == step) {
                        double[] actual = (r.param().equals("w") ? w : b).toDoubleArray();
                        for (int i = 0; i < actual.length; i++) {
                            assertEquals(r.values()[i], actual[i], 1e-12 * Math.max(1, Math.abs(r.values()[i])),
                                    e.getKey() + " step " + step + " " + r.param() + "[" + i + "]");
                        }
                        checked++;
                    }
                }
            }
            assertTrue(checked == 12, "rows checked: " + checked);
        }));
    }
}
