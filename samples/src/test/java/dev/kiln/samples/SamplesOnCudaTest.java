package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Device;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.cuda.mock.MockCuda;
import dev.kiln.nn.Module;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed's programs with {@code --device cuda} on the mock driver (device memory in host memory,
 * kernels compiled for the host): short runs, eager and compiled, against the same runs on the CPU.
 * Every tensor a sample makes lands on the device through the default device; the results come back
 * through the CUDA runtime's own copies.
 */
class SamplesOnCudaTest {
    private static final int STEPS = 30;
    private static final Device CUDA = Device.cuda(0);

    @BeforeAll
    static void mock() {
        MockCuda.install();
    }

    private static List<Double> values(Object result) {
        List<Double> out = new ArrayList<>();
        List<Tensor> tensors = result instanceof Module m ? m.parameters() : List.of((Tensor[]) result);
        for (Tensor t : tensors) {
            for (double v : t.to(Device.CPU).contiguous().toDoubleArray()) {
                out.add(v);
            }
        }
        return out;
    }

    private static BiFunction<PrintStream, Boolean, Object> sample(String name) {
        return switch (name) {
            case "tensor" -> (out, c) -> TensorSample.run(out, c, STEPS);
            case "autograd" -> (out, c) -> AutogradSample.run(out, c, STEPS);
            case "custom-function" -> (out, c) -> CustomFunctionSample.run(out, c, STEPS);
            case "nn" -> (out, c) -> NnSample.run(out, c, STEPS);
            case "optim" -> (out, c) -> OptimSample.run(out, c, STEPS);
            case "module" -> (out, c) -> ModuleSample.run(out, c, STEPS);
            case "dynamic" -> (out, c) -> DynamicSample.run(out, c, STEPS);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"tensor", "autograd", "custom-function", "nn", "optim", "module", "dynamic"})
    void aSeedSampleRunsOnTheDeviceAsOnTheCpu(String name) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        for (boolean compiled : new boolean[] {false, true}) {
            List<Double> cpu = values(sample(name).apply(quiet, compiled));
            Object onDevice;
            try (var scope = Kiln.defaultDevice(CUDA)) {
                onDevice = sample(name).apply(quiet, compiled);
            }
            if (onDevice instanceof Module m) {
                assertEquals(CUDA, m.parameters().getFirst().device(), "the model lives on the device");
            } else {
                assertEquals(CUDA, ((Tensor[]) onDevice)[0].device(), "the coefficients live on the device");
            }
            List<Double> cuda = values(onDevice);
            assertEquals(cpu.size(), cuda.size());
            for (int i = 0; i < cpu.size(); i++) {
                assertEquals(cpu.get(i), cuda.get(i), 1e-4 * Math.max(1, Math.abs(cpu.get(i))),
                        name + (compiled ? " compiled" : " eager") + ": value " + i + " of " + cpu + " vs " + cuda);
            }
        }
    }

    @Test
    void theDigitsClassifierTrainsOnTheDeviceAsOnTheCpu() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        DigitsSample.Result cpu = DigitsSample.run(quiet, true, 1, Progress.NONE);
        DigitsSample.Result cuda;
        try (var scope = Kiln.defaultDevice(CUDA)) {
            cuda = DigitsSample.run(quiet, true, 1, Progress.NONE);
        }
        assertEquals(cpu.losses().size(), cuda.losses().size());
        for (int i = 0; i < cpu.losses().size(); i++) {
            assertEquals(cpu.losses().get(i), cuda.losses().get(i), 1e-4 * Math.max(1, Math.abs(cpu.losses().get(i))), "epoch loss " + i);
        }
        assertEquals(cpu.testAccuracy(), cuda.testAccuracy(), 0.01, "test accuracy");
    }

    @Test
    void theLauncherTakesDeviceAndSteps() {
        PrintStream old = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            Samples.main(new String[] {"sample", "tensor", "--device", "cuda", "--steps", "120", "--compiled"});
        } finally {
            System.setOut(old);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertTrue(text.lines().count() == 2 && text.contains("Result: y = "), "one loss line at step 88 and the result:\n" + text);
        assertEquals(Device.CPU, Kiln.defaultDevice(), "the option's scope ends with the run");
    }
}
