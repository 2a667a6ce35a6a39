package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The first three seed programs print what the seed prints, and their numbers agree with an
 * independent float64 replay of the same cubic fit from the same random start.
 */
class SeedSamplesTest {
    private static final Pattern RESULT = Pattern.compile(
            "Result: y = (\\S+) \\+ (\\S+) x \\+ (\\S+) x\\^2 \\+ (\\S+) x\\^3");

    /** The cubic fit in float64, written independently of the samples: returns {losses at printed steps..., a, b, c, d}. */
    static List<Double> replay(double a, double b, double c, double d, int printAt) {
        int n = 2000;
        List<Double> losses = new ArrayList<>();
        for (int t = 0; t < 2000; t++) {
            double loss = 0;
            double[] g = new double[4];
            for (int i = 0; i < n; i++) {
                double x = -Math.PI + (2 * Math.PI / (n - 1)) * i;
                double r = a + x * (b + x * (c + x * d)) - Math.sin(x);
                loss += r * r;
                g[0] += 2 * r;
                g[1] += 2 * r * x;
                g[2] += 2 * r * x * x;
                g[3] += 2 * r * x * x * x;
            }
            if (t % 100 == printAt) {
                losses.add(loss);
            }
            a -= 1e-6 * g[0];
            b -= 1e-6 * g[1];
            c -= 1e-6 * g[2];
            d -= 1e-6 * g[3];
        }
        losses.addAll(List.of(a, b, c, d));
        return losses;
    }

    private static List<String> output(Consumer<PrintStream> sample) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sample.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static void assertMatchesReplay(List<String> lines, List<Double> replay, int printAt, double rtol) {
        assertEquals(21, lines.size(), String.join("\n", lines));
        for (int k = 0; k < 20; k++) {
            String[] parts = lines.get(k).split(" ");
            assertEquals(Integer.toString(100 * k + printAt), parts[0]);
            double printed = Double.parseDouble(parts[1]);
            assertEquals(replay.get(k), printed, rtol * replay.get(k), "loss at step " + parts[0]);
        }
        Matcher m = RESULT.matcher(lines.get(20));
        assertTrue(m.matches(), lines.get(20));
        for (int k = 0; k < 4; k++) {
            assertEquals(replay.get(20 + k), Double.parseDouble(m.group(k + 1)), 1e-4 + rtol * Math.abs(replay.get(20 + k)));
        }
        double finalLoss = replay.get(19);
        assertTrue(finalLoss > 8.8 && finalLoss < 15, "the fit should end where the seed's does, got " + finalLoss);
    }

    @Test
    void numpy() {
        Random r = new Random(NumpySample.SEED);
        List<Double> replay = replay(r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), 55);
        assertMatchesReplay(output(o -> NumpySample.run(o, false)), replay, 55, 1e-9);
    }

    private static List<Double> replayKilnStart(long seed) {
        Kiln.manualSeed(seed);
        double[] w = new double[4];
        for (int i = 0; i < 4; i++) {
            w[i] = Tensor.randn().item();
        }
        return replay(w[0], w[1], w[2], w[3], 88);
    }

    @Test
    void tensor() {
        List<Double> replay = replayKilnStart(TensorSample.SEED);
        assertMatchesReplay(output(o -> TensorSample.run(o, false)), replay, 88, 1e-3);
    }

    @Test
    void autograd() {
        List<Double> replay = replayKilnStart(AutogradSample.SEED);
        assertMatchesReplay(output(o -> AutogradSample.run(o, false)), replay, 88, 1e-3);
    }

    @Test
    void customFunctionReproducesTheSeedsNumbers() {
        // The seed's printed losses (PyTorch, float32) for its fixed start; 1e-4 relative.
        List<String> lines = output(o -> CustomFunctionSample.run(o, false));
        Map<Integer, Double> seed = Map.of(88, 218.8590850830078, 588, 38.650856018066406, 1988, 8.949139595031738);
        for (String line : lines.subList(0, 20)) {
            String[] parts = line.split(" ");
            Double expected = seed.get(Integer.parseInt(parts[0]));
            if (expected != null) {
                assertEquals(expected, Double.parseDouble(parts[1]), 1e-4 * expected, line);
            }
        }
        Matcher m = Pattern.compile("Result: y = (\\S+) \\+ (\\S+) \\* P3\\((\\S+) \\+ (\\S+) x\\)").matcher(lines.get(20));
        assertTrue(m.matches(), lines.get(20));
        assertEquals(0.0, Double.parseDouble(m.group(1)), 1e-6);
        assertEquals(-2.208526849746704, Double.parseDouble(m.group(2)), 2.3e-4);
        assertEquals(0.0, Double.parseDouble(m.group(3)), 1e-6);
        assertEquals(0.2554861009120941, Double.parseDouble(m.group(4)), 2.6e-5);
    }

    @Test
    void runsRepeatExactly() {
        assertEquals(output(o -> AutogradSample.run(o, false)), output(o -> AutogradSample.run(o, false)));
    }

    @Test
    void sampleNamesAreTheFixedOnes() {
        assertEquals(List.of("numpy", "tensor", "autograd", "custom-function", "nn", "optim", "module", "dynamic"),
                List.copyOf(Samples.ALL.keySet()));
    }

    @Test
    void printsFloatsAsPythonDoes() {
        assertEquals("160.5891571044922", Py.str((double) 160.5891571044922f));
        assertEquals("-5.423830273798558e-09", Py.str(-5.423830273798558e-09));
        assertEquals("0.0005413547623902559", Py.str(0.0005413547623902559));
        assertEquals("1.148824958363548e-05", Py.str(1.148824958363548e-05));
        assertEquals("95971.625", Py.str(95971.625));
        assertEquals("3.0", Py.str(3.0));
        assertEquals("1e+16", Py.str(1e16));
    }
}
