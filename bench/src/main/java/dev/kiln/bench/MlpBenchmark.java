package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An MLP training step at scale: 64 → 512 → 512 → 1 with tanh, batch 4096, MSE loss, Adam — the
 * whole step (forward, backward, update) compiled, and eager, at 1 and 2 threads. Multiply-adds
 * per step: forward 4096·(64·512 + 512·512 + 512·1), backward the weight gradients of all three
 * layers and the input gradients of the last two, so {@link #FLOP} = 2 · 4096 · (3 · 295424 − 64 · 512)
 * ≈ 7.0 GFLOP; GFLOP/s = FLOP / time. {@code bench/pytorch_mlp.py} runs the same step in PyTorch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class MlpBenchmark {
    static final int BATCH = 4096;
    public static final double FLOP = 2.0 * BATCH * (3.0 * (64 * 512 + 512 * 512 + 512) - 64 * 512);

    @Param({"1", "2"})
    int threads;

    Tensor x;
    Tensor y;
    Step eager;
    CompiledFunction compiled;

    @Setup
    public void setup() {
        Kiln.setNumThreads(threads);
        Kiln.manualSeed(0);
        x = Tensor.randn(BATCH, 64);
        y = Tensor.randn(BATCH, 1);
        eager = step();
        compiled = Kiln.compile(step());
    }

    static Step step() {
        Sequential model = new Sequential(new Linear(64, 512), new Tanh(), new Linear(512, 512), new Tanh(), new Linear(512, 1));
        Adam optimizer = new Adam(model.parameters(), Adam.Options.lr(1e-3));
        MSELoss criterion = new MSELoss();
        return in -> {
            optimizer.zeroGrad();
            Tensor loss = criterion.forward(model.forward(in[0]), in[1]);
            loss.backward();
            optimizer.step();
            return loss;
        };
    }

    @Benchmark
    public Tensor compiledStep() {
        return compiled.call(x, y);
    }

    @Benchmark
    public Tensor eagerStep() {
        return eager.apply(x, y);
    }
}
