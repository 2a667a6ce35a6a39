package dev.kiln.bench;

import dev.kiln.samples.AutogradSample;
import dev.kiln.samples.CustomFunctionSample;
import dev.kiln.samples.DynamicSample;
import dev.kiln.samples.ModuleSample;
import dev.kiln.samples.NnSample;
import dev.kiln.samples.NumpySample;
import dev.kiln.samples.OptimSample;
import dev.kiln.samples.TensorSample;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The seed's eight programs, each run whole (2000 steps; DynamicNet 30000) as the samples run them,
 * eager and compiled, output discarded. Per step = score / steps; {@code bench/pytorch_seed.py}
 * times the same programs in PyTorch eager.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class SeedProgramsBenchmark {
    @Param({"numpy", "tensor", "autograd", "custom-function", "nn", "optim", "module", "dynamic"})
    String program;

    @Param({"eager", "compiled"})
    String mode;

    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

    @Benchmark
    public Object wholeRun() {
        boolean compiled = mode.equals("compiled");
        return switch (program) {
            case "numpy" -> NumpySample.run(NOWHERE, compiled);
            case "tensor" -> TensorSample.run(NOWHERE, compiled);
            case "autograd" -> AutogradSample.run(NOWHERE, compiled);
            case "custom-function" -> CustomFunctionSample.run(NOWHERE, compiled);
            case "nn" -> NnSample.run(NOWHERE, compiled);
            case "optim" -> OptimSample.run(NOWHERE, compiled);
            case "module" -> ModuleSample.run(NOWHERE, compiled);
            case "dynamic" -> DynamicSample.run(NOWHERE, compiled);
            default -> throw new IllegalArgumentException(program);
        };
    }
}
