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
 * One eager elementwise op on a large float32 tensor against a hand-written copy loop: bytes moved
 * per second. {@code x.add(y)} reads 8 bytes and writes 4 per element (12 n bytes a call, the result
 * allocated by the op as PyTorch's is); the copy loop reads 4 and writes 4 (8 n) into an array it
 * keeps; {@code x.mul(2)} reads 4 and writes 4. Divide bytes by the time JMH reports.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class EagerBandwidthBenchmark {
    @Param({"10000000", "100000000"})
    int n;

    @Param({"1", "2"})
    int threads;

    Tensor x;
    Tensor y;
    float[] from;
    float[] to;
    int before;

    @Setup
    public void setup() {
        before = Kiln.numThreads();
        Kiln.setNumThreads(threads);
        Kiln.manualSeed(3);
        x = Tensor.randn(n);
        y = Tensor.randn(n);
        from = x.toFloatArray();
        to = new float[n];
    }

    @TearDown
    public void tearDown() {
        Kiln.setNumThreads(before);
    }

    @Benchmark
    public Tensor add() {
        return x.add(y);
    }

    @Benchmark
    public Tensor mulScalar() {
        return x.mul(2);
    }

    /** The memory roofline on one thread: a plain loop the JIT vectorizes, into a kept array. */
    @Benchmark
    public float[] copyLoop() {
        float[] src = from;
        float[] dst = to;
        for (int i = 0; i < src.length; i++) {
            dst[i] = src[i];
        }
        return dst;
    }
}
