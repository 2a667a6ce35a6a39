package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Attention;
import dev.kiln.nn.TensorOps;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Causal self-attention forward + backward (from the sum of the output), float32, batch 12, 4 heads, head size
 * 32 (char-gpt's shape) at T = 64, 256 and 1024: the fused primitive ({@code fused}) against the masked-softmax
 * composite ({@code composite}, forced by an explicit bool mask), compiled, on 1 and 2 threads. Memory: run with
 * {@code -prof gc} (allocation per op); the fused step holds no [T, T] buffer. {@code bench/pytorch_attention.py}
 * runs PyTorch 1.13's masked-softmax path at the same shapes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx6g"})
public class AttentionBenchmark {
    @Param({"64", "256", "1024"})
    int t;

    @Param({"fused", "composite"})
    String path;

    @Param({"1", "2"})
    int threads;

    Tensor q;
    Tensor k;
    Tensor v;
    CompiledFunction compiled;
    int before;

    @Setup
    public void setup() {
        before = Kiln.numThreads();
        Kiln.setNumThreads(threads);
        Kiln.manualSeed(1);
        q = Tensor.randn(12, 4, t, 32).requiresGrad_(true);
        k = Tensor.randn(12, 4, t, 32).requiresGrad_(true);
        v = Tensor.randn(12, 4, t, 32).requiresGrad_(true);
        Tensor keep = TensorOps.tril(Tensor.ones(t, t), 0).ne(0);
        boolean fused = path.equals("fused");
        Step step = in -> {
            q.clearGrad();
            k.clearGrad();
            v.clearGrad();
            Tensor y = (fused ? Attention.scaledDotProductAttention(q, k, v, null, 0, true, null)
                    : Attention.scaledDotProductAttention(q, k, v, keep, 0, false, null)).sum();
            y.backward();
            return y;
        };
        compiled = Kiln.compile(step);
    }

    @TearDown
    public void tearDown() {
        Kiln.setNumThreads(before);
    }

    @Benchmark
    public Tensor forwardBackward() {
        return compiled.call();
    }
}
