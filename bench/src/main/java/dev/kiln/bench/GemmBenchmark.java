package dev.kiln.bench;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
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
 * A bare float32 matrix product through the public API ({@code a.matmul(b)} without gradients: the
 * packed GEMM, a fresh result each call, as {@code torch.mm} allocates one): square 512, 1024 and
 * 2048, and the MLP step's products (64 -> 512 -> 512, batch 4096: the two forward layers, the
 * weight gradient {@code h^T g} and the input gradient {@code g W}). {@code bench/pytorch_gemm.py}
 * times {@code torch.mm} on the same shapes. GFLOP/s = 2 n m k / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class GemmBenchmark {
    /** {@code n x k @ k x m} as "n,k,m"; a trailing "T" multiplies by the transpose of a stored {@code k x n} (a weight gradient). */
    @Param({"512,512,512", "1024,1024,1024", "2048,2048,2048", "4096,64,512", "4096,512,512", "512,4096,512T"})
    String shape;

    @Param({"1", "2"})
    int threads;

    Tensor a;
    Tensor b;
    int before;

    @Setup
    public void setup() {
        before = Kiln.numThreads();
        Kiln.setNumThreads(threads);
        Kiln.manualSeed(1);
        boolean transposed = shape.endsWith("T");
        String[] p = shape.replace("T", "").split(",");
        int n = Integer.parseInt(p[0]);
        int k = Integer.parseInt(p[1]);
        int m = Integer.parseInt(p[2]);
        a = transposed ? Tensor.randn(k, n).t() : Tensor.randn(n, k);
        b = Tensor.randn(k, m);
    }

    @TearDown
    public void tearDown() {
        Kiln.setNumThreads(before);
    }

    @Benchmark
    public Tensor matmul() {
        return a.matmul(b);
    }
}
