package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * PyTorch fixtures written by the make_*fixtures.py scripts: per case {@code <case>.in<k>} (inputs),
 * {@code <case>.out} (the value), {@code <case>.g} (the upstream gradient) and {@code <case>.grad<k>}
 * (d sum(out * g) / d in<k>); float64 values and gradients compared to 1e-10, eagerly and compiled.
 */
final class ParityFixtures {
    private ParityFixtures() {
    }

    /** The safetensors file at {@code resource} on the test class path. */
    static Map<String, Tensor> load(String resource) {
        try {
            return Safetensors.load(Path.of(ParityFixtures.class.getResource(resource).toURI()), dev.kiln.Kiln.defaultDevice());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The case's inputs, fresh leaves that require grad. */
    static List<Tensor> inputs(Map<String, Tensor> f, String name) {
        List<Tensor> in = new ArrayList<>();
        for (int k = 0; f.containsKey(name + ".in" + k); k++) {
            in.add(f.get(name + ".in" + k).clone().requiresGrad_(true));
        }
        return in;
    }

    static void close(Tensor expected, Tensor actual, String what) {
        assertNotNull(actual, what);
        assertEquals(expected.shape(), actual.shape(), what);
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-10 * Math.max(1, Math.abs(e[i])), what + "[" + i + "]");
        }
    }

    /** Every case's value and input gradients, run eagerly. */
    static void matchEagerly(Map<String, Tensor> f, Map<String, Function<List<Tensor>, Tensor>> cases) {
        for (var e : cases.entrySet()) {
            String name = e.getKey();
            List<Tensor> in = inputs(f, name);
            Tensor y = e.getValue().apply(in);
            close(f.get(name + ".out"), y, name + " value");
            y.mul(f.get(name + ".g")).sum().backward();
            for (int k = 0; k < in.size(); k++) {
                close(f.get(name + ".grad" + k), in.get(k).grad(), name + " gradient of input " + k);
            }
        }
    }

    /** The same inside one compiled function per case; the inputs are captured, as a model's parameters are. */
    static void matchCompiled(Map<String, Tensor> f, Map<String, Function<List<Tensor>, Tensor>> cases) {
        for (var e : cases.entrySet()) {
            String name = e.getKey();
            List<Tensor> in = inputs(f, name);
            Tensor g = f.get(name + ".g");
            var compiled = Kiln.compile(args -> {
                Tensor y = e.getValue().apply(in);
                y.mul(g).sum().backward();
                return y;
            });
            close(f.get(name + ".out"), compiled.call(), name + " compiled value");
            for (int k = 0; k < in.size(); k++) {
                close(f.get(name + ".grad" + k), in.get(k).grad(), name + " compiled gradient of input " + k);
            }
        }
    }
}
