package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.Utils;
import dev.kiln.optim.Adam;
import dev.kiln.optim.LRScheduler;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Learning-rate schedulers and gradient clipping against PyTorch 1.13 (resources/nn/make_schedules.py),
 * and a compiled step driven by a schedule that never recompiles, its rate reaching 0 included.
 */
class SchedulerParityTest {
    static Map<String, double[]> fixtures() throws Exception {
        Map<String, double[]> out = new HashMap<>();
        for (String line : Files.readAllLines(Path.of(SchedulerParityTest.class.getResource("/nn/schedules.txt").toURI()))) {
            String[] f = line.trim().split(" ");
            out.put(f[0], Arrays.stream(f, 1, f.length).mapToDouble(Double::parseDouble).toArray());
        }
        return out;
    }

    static double[] run(Function<List<Tensor>, Optimizer<?>> opt, Function<Optimizer<?>, LRScheduler> sched, int steps, boolean momentum) {
        Tensor p = Tensor.zeros(1).to(dev.kiln.DType.FLOAT64).requiresGrad_(true);
        Optimizer<?> o = opt.apply(List.of(p));
        LRScheduler s = sched.apply(o);
        double[] v = new double[steps];
        for (int i = 0; i < steps; i++) {
            Object options = o.paramGroups().getFirst().options();
            v[i] = !momentum ? s.lastLr().getFirst() : options instanceof Adam.Options a ? a.beta1() : ((SGD.Options) options).momentum();
            p.setGrad(Tensor.ones(1).to(dev.kiln.DType.FLOAT64));
            o.step();
            s.step();
        }
        return v;
    }

    static void close(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-12 * Math.max(1, Math.abs(expected[i])), what + " at step " + i);
        }
    }

    @Test
    void everySchedulerGivesPytorchsRates() throws Exception {
        Map<String, double[]> f = fixtures();
        close(f.get("step"), run(ps -> new SGD(ps, 0.1, 0), o -> new LRScheduler.StepLR(o, 3, 0.5), 12, false), "StepLR");
        close(f.get("multistep"), run(ps -> new SGD(ps, 0.1, 0), o -> new LRScheduler.MultiStepLR(o, new int[] {2, 5, 9}, 0.3), 12, false),
                "MultiStepLR");
        close(f.get("exponential"), run(ps -> new Adam(ps, Adam.Options.lr(0.01)), o -> new LRScheduler.ExponentialLR(o, 0.9), 12, false),
                "ExponentialLR");
        close(f.get("cosine"), run(ps -> new SGD(ps, 0.1, 0), o -> new LRScheduler.CosineAnnealingLR(o, 7, 0.001), 16, false),
                "CosineAnnealingLR");
        close(f.get("linear"), run(ps -> new SGD(ps, 0.1, 0), o -> new LRScheduler.LinearLR(o, 0.25, 1.0, 6), 10, false), "LinearLR");
        close(f.get("onecycle_adam"), run(ps -> new Adam(ps, Adam.Options.lr(0.01)), o -> new LRScheduler.OneCycleLR(o, 0.05, 20), 20, false),
                "OneCycleLR");
        close(f.get("onecycle_adam_beta1"), run(ps -> new Adam(ps, Adam.Options.lr(0.01)), o -> new LRScheduler.OneCycleLR(o, 0.05, 20), 20,
                true), "OneCycleLR beta1");
        close(f.get("onecycle_sgd_momentum"), run(ps -> new SGD(ps, 0.01, 0.9),
                o -> new LRScheduler.OneCycleLR(o, 0.05, 20, 0.4, 10, 100), 20, true), "OneCycleLR momentum");
    }

    @Test
    void gradientClippingGivesPytorchsGradients() throws Exception {
        Map<String, double[]> f = fixtures();
        for (String name : List.of("clip_norm", "clip_norm_inf")) {
            Tensor a = Tensor.zeros(3).to(dev.kiln.DType.FLOAT64).requiresGrad_(true);
            Tensor b = Tensor.zeros(2).to(dev.kiln.DType.FLOAT64).requiresGrad_(true);
            a.setGrad(Tensor.of(3.0, -4.0, 1.0).to(dev.kiln.DType.FLOAT64));
            b.setGrad(Tensor.of(2.0, -0.5).to(dev.kiln.DType.FLOAT64));
            Tensor norm = name.equals("clip_norm") ? Utils.clipGradNorm(List.of(a, b), 1.5)
                    : Utils.clipGradNorm(List.of(a, b), 2.0, Double.POSITIVE_INFINITY);
            double[] got = new double[6];
            got[0] = norm.item();
            System.arraycopy(a.grad().toDoubleArray(), 0, got, 1, 3);
            System.arraycopy(b.grad().toDoubleArray(), 0, got, 4, 2);
            close(f.get(name), got, name);
        }
    }

    @Test
    void clipGradValueGivesPytorchsGradients() throws Exception {
        Tensor a = Tensor.zeros(3).to(dev.kiln.DType.FLOAT64).requiresGrad_(true);
        Tensor b = Tensor.zeros(2).to(dev.kiln.DType.FLOAT64).requiresGrad_(true);
        a.setGrad(Tensor.of(3.0, -4.0, 1.0).to(dev.kiln.DType.FLOAT64));
        b.setGrad(Tensor.of(2.0, -0.5).to(dev.kiln.DType.FLOAT64));
        Utils.clipGradValue(List.of(a, b), 1.5);
        double[] got = new double[5];
        System.arraycopy(a.grad().toDoubleArray(), 0, got, 0, 3);
        System.arraycopy(b.grad().toDoubleArray(), 0, got, 3, 2);
        close(fixtures().get("clip_value"), got, "clip_value");
    }

    @Test
    void aScheduleNeverRecompilesACompiledStep() {
        Tensor w = Tensor.of(1.0, -2.0).to(dev.kiln.DType.FLOAT64).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.1, 0.9);
        LRScheduler cosine = new LRScheduler.CosineAnnealingLR(opt, 5, 0.0); // reaches 0 at step 5, and climbs again
        CompiledFunction step = Kiln.compile(in -> {
            opt.zeroGrad();
            Tensor loss = w.mul(w).sum();
            loss.backward();
            Utils.clipGradNorm(List.of(w), 1.0);
            opt.step();
            return loss;
        });
        for (int i = 0; i < 12; i++) {
            step.call();
            cosine.step();
        }
        assertEquals(1, step.compilations());
        // and the same run eagerly ends on the same values (clipping and the rates took effect when compiled)
        Tensor v = Tensor.of(1.0, -2.0).to(dev.kiln.DType.FLOAT64).requiresGrad_(true);
        SGD eagerOpt = new SGD(List.of(v), 0.1, 0.9);
        LRScheduler eagerCosine = new LRScheduler.CosineAnnealingLR(eagerOpt, 5, 0.0);
        for (int i = 0; i < 12; i++) {
            eagerOpt.zeroGrad();
            v.mul(v).sum().backward();
            Utils.clipGradNorm(List.of(v), 1.0);
            eagerOpt.step();
            eagerCosine.step();
        }
        close(v.toDoubleArray(), w.toDoubleArray(), "compiled against eager");
        assertEquals(true, Math.abs(w.toDoubleArray()[0] - 1.0) > 0.1, "it moved");
    }
}
