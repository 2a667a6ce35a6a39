package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Sequential;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The nn sample's training step (Linear(3, 1) + Flatten on [2000, 3], MSELoss sum, hand-written
 * update): the steady compiled step (run with {@code -prof gc} for allocation per step), and the
 * compile latency — a fresh model, {@code Kiln.compile}, and the first call (trace, autodiff,
 * passes, planning, code generation, class definition, run) in a warm JVM. {@link #traceOnly}
 * is the trace part alone, for the cost per traced op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class NnStepBenchmark {
    CompiledFunction compiled;

    static Step step() {
        return step(1e-6);
    }

    static Step step(double learningRate) {
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();
        Tensor xx = x.unsqueeze(-1).pow(Tensor.of(1L, 2L, 3L));
        Sequential model = new Sequential(new Linear(3, 1), new Flatten(0, 1));
        MSELoss lossFn = new MSELoss(Reduction.SUM);
        return in -> {
            Tensor loss = lossFn.forward(model.forward(xx), y);
            model.zeroGrad();
            loss.backward();
            try (var noGrad = Kiln.noGrad()) {
                for (Tensor p : model.parameters()) {
                    p.sub_(p.grad().mul(learningRate));
                }
            }
            return loss;
        };
    }

    @Setup
    public void setup() {
        Kiln.manualSeed(5);
        compiled = Kiln.compile(step());
        compiled.call();
    }

    /** One steady-state compiled step; it returns the loss, a new 0-d tensor. */
    @Benchmark
    public Tensor compiledStep() {
        return compiled.call();
    }

    private int fresh;

    /**
     * First call of a freshly compiled step: everything from tracing to the class definitions, then
     * one run. Each call uses a learning rate not seen before — a constant in the kernel — so its
     * class is new too (identical kernels would reuse an already defined class).
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 30)
    @Measurement(iterations = 30)
    public Tensor compileAndFirstCall() {
        return Kiln.compile(step(1e-6 * (1 + ++fresh * 1e-9))).call();
    }

    /** Tracing alone (dynamic mode's first call traces, then compiles; checkTraces re-traces every call). */
    @Benchmark
    public Tensor traceOnly() {
        return compiledChecking.call();
    }

    CompiledFunction compiledChecking;

    @Setup
    public void setupChecking() {
        compiledChecking = Kiln.compile(step()).checkTraces(true);
        compiledChecking.call();
    }
}
