package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Functional;
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
 * One float32 convolution, stride 1, no padding, with bias: its forward and both backward products
 * (the input's and the weight's gradients, from the sum of the output), compiled and eager. Shapes as
 * "N,C,H,W,O,K": the fashion-cnn network's two convolutions (1→32 on 28×28 and 32→64 on 26×26, batch
 * 64) and a ResNet-style 3×3 64→64 on 56×56 at batch 8 (padding 1). Multiply-adds: N·O·OH·OW·C·K·K per
 * product, three products, so GFLOP/s = {@code 6·N·O·OH·OW·C·K²} / time. {@code bench/pytorch_conv.py}
 * runs the same in PyTorch 1.13 (oneDNN).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class ConvBenchmark {
    @Param({"64,1,28,28,32,3", "64,32,26,26,64,3", "8,64,56,56,64,3p"})
    String shape;

    @Param({"1", "2"})
    int threads;

    Tensor x;
    Tensor w;
    Tensor b;
    Step step;
    CompiledFunction compiled;
    int before;

    @Setup
    public void setup() {
        before = Kiln.numThreads();
        Kiln.setNumThreads(threads);
        Kiln.manualSeed(1);
        String[] p = shape.replace("p", "").split(",");
        int n = Integer.parseInt(p[0]);
        int c = Integer.parseInt(p[1]);
        int h = Integer.parseInt(p[2]);
        int wd = Integer.parseInt(p[3]);
        int o = Integer.parseInt(p[4]);
        int k = Integer.parseInt(p[5]);
        int pad = shape.endsWith("p") ? k / 2 : 0;
        x = Tensor.randn(n, c, h, wd).requiresGrad_(true);
        w = Tensor.randn(o, c, k, k).mul(0.1).requiresGrad_(true);
        b = Tensor.randn(o).requiresGrad_(true);
        int[] one = {1, 1};
        step = in -> {
            x.clearGrad();
            w.clearGrad();
            b.clearGrad();
            Tensor y = Functional.conv2d(in[0], w, b, one, new int[] {pad, pad}, one, 1).sum();
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
    public Tensor compiledForwardBackward() {
        return compiled.call(x);
    }

    @Benchmark
    public Tensor eagerForwardBackward() {
        return step.apply(x);
    }
}
