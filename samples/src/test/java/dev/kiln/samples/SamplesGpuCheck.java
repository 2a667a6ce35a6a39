package dev.kiln.samples;

import dev.kiln.Device;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.Module;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The GPU check's samples part (run by runtime-cuda/gpu-check/run.sh after dev.kiln.cuda.tests.GpuCheck):
 * the seed samples and digits-mlp in short runs, eager and compiled, on {@code cuda:0} against the same runs on
 * the CPU. Prints {@code CHECK sample_NAME_MODE PASS|FAIL detail} lines; exits 1 if one failed.
 * {@code --steps N} sets the seed samples' steps (default 30); digits-mlp runs one epoch ({@code --no-digits} skips it).
 */
public final class SamplesGpuCheck {
    private SamplesGpuCheck() {
    }

    /** Runs every sample on both devices and prints a CHECK line per sample and mode. */
    public static void main(String[] args) {
        int steps = 30;
        boolean digits = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--no-digits" -> digits = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--steps N, --no-digits)");
            }
        }
        List<String> names = new ArrayList<>(List.of("tensor", "autograd", "custom-function", "nn", "optim", "module", "dynamic"));
        if (digits) {
            names.add("digits-mlp");
        }
        int failed = 0;
        for (String name : names) {
            for (boolean compiled : new boolean[] {false, true}) {
                failed += check(name, compiled, steps) ? 0 : 1;
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    private static boolean check(String name, boolean compiled, int steps) {
        String what = "sample_" + name + "_" + (compiled ? "compiled" : "eager");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try {
            long t0 = System.nanoTime();
            List<Double> cpu = values(sample(name, steps).apply(quiet, compiled));
            List<Double> cuda;
            try (var scope = Kiln.defaultDevice(Device.cuda(0))) {
                cuda = values(sample(name, steps).apply(quiet, compiled));
            }
            double worst = cpu.size() == cuda.size() ? 0 : Double.POSITIVE_INFINITY;
            for (int i = 0; i < Math.min(cpu.size(), cuda.size()); i++) {
                worst = Math.max(worst, Math.abs(cpu.get(i) - cuda.get(i)) / Math.max(1, Math.abs(cpu.get(i))));
            }
            boolean ok = worst <= 1e-4;
            System.out.println("CHECK " + what + " " + (ok ? "PASS" : "FAIL") + " " + cpu.size() + " values, largest difference "
                    + String.format("%.2g", worst) + " relative to max(1,|x|) (bound 1e-4), " + String.format("%.1f", (System.nanoTime() - t0) / 1e9) + " s");
            return ok;
        } catch (RuntimeException | Error e) {
            System.out.println("CHECK " + what + " FAIL threw " + String.valueOf(e).replace('\n', ' '));
            return false;
        }
    }

    /** The sample's result: its model's parameters, its coefficients, or (digits-mlp) its epochs' losses (an accuracy moves in steps of one image). */
    private static List<Double> values(Object result) {
        List<Double> out = new ArrayList<>();
        if (result instanceof DigitsSample.Result r) {
            out.addAll(r.losses());
            return out;
        }
        List<Tensor> tensors = result instanceof Module m ? m.parameters() : List.of((Tensor[]) result);
        for (Tensor t : tensors) {
            for (double v : t.to(Device.CPU).contiguous().toDoubleArray()) {
                out.add(v);
            }
        }
        return out;
    }

    private static BiFunction<PrintStream, Boolean, Object> sample(String name, int steps) {
        return switch (name) {
            case "tensor" -> (out, c) -> TensorSample.run(out, c, steps);
            case "autograd" -> (out, c) -> AutogradSample.run(out, c, steps);
            case "custom-function" -> (out, c) -> CustomFunctionSample.run(out, c, steps);
            case "nn" -> (out, c) -> NnSample.run(out, c, steps);
            case "optim" -> (out, c) -> OptimSample.run(out, c, steps);
            case "module" -> (out, c) -> ModuleSample.run(out, c, steps);
            case "dynamic" -> (out, c) -> DynamicSample.run(out, c, steps);
            case "digits-mlp" -> (out, c) -> DigitsSample.run(out, c, 1, Progress.NONE);
            default -> throw new IllegalArgumentException(name);
        };
    }
}
