package dev.kiln.bench;

import dev.kiln.DType;
import dev.kiln.Inference;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import dev.kiln.onnx.Onnx;
import dev.kiln.onnx.OnnxModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
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
 * Inference of models PyTorch 1.13 exported to ONNX, imported with {@link Onnx#load} and served compiled through
 * {@link Inference} (one exact batch size): the fashion-cnn network (input float32 [B, 1, 28, 28]) and the
 * char-gpt sample's nanoGPT (vocabulary 113, 4 layers, 4 heads, width 128, block 64; input int64 token ids
 * [B, 64]), at batch 1 and 64. {@code bench/onnx_models.py} (run it first) writes the files to bench/target/onnx with
 * the inputs and PyTorch's outputs, which the set-up checks Kiln's against (JMH runs from the repository root); {@code bench/onnx_models.py --time} times PyTorch eager on the same inputs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class OnnxInferenceBenchmark {
    /** Where bench/onnx_models.py writes, relative to the repository root (where bench/run runs JMH). */
    static final Path DIR = Path.of("bench", "target", "onnx");
    /** Largest |Kiln - PyTorch| / max(1, |PyTorch|) the set-up accepts (float32, full-size models). */
    static final double TOLERANCE = 1e-4;

    @Param({"fashion-cnn", "char-gpt"})
    String model;

    @Param({"1", "64"})
    int batch;

    @Param({"1", "2"})
    int threads;

    Inference serve;
    Tensor x;
    int before;

    @Setup
    public void setup() {
        before = Kiln.numThreads();
        Kiln.setNumThreads(threads);
        Path onnx = DIR.resolve(model + ".onnx");
        Path io = DIR.resolve(model + ".safetensors");
        if (!Files.exists(onnx) || !Files.exists(io)) {
            throw new IllegalStateException(onnx.toAbsolutePath() + " or " + io.getFileName()
                    + " is missing: run /usr/bin/python3 bench/onnx_models.py first (and JMH from the repository root)");
        }
        OnnxModule m = Onnx.load(onnx);
        m.eval();
        Map<String, Tensor> tensors = Safetensors.load(io);
        x = tensors.get("input_b" + batch);
        Tensor expected = tensors.get("output_b" + batch);
        int[] row = x.shape().toArray();
        int[] rowShape = Arrays.copyOfRange(row, 1, row.length);
        DType dtype = x.dtype() == DType.INT64 ? DType.INT64 : DType.FLOAT32;
        serve = Inference.of(m::forward).rowShape(rowShape).dtype(dtype).batchSizes(batch).build();
        check(expected, serve.run(x));
    }

    /** Fails the run unless Kiln's output is PyTorch's, to {@link #TOLERANCE}. */
    void check(Tensor expected, Tensor actual) {
        String what = model + " batch " + batch + " threads " + threads;
        if (!expected.shape().equals(actual.shape()) || expected.dtype() != actual.dtype()) {
            throw new IllegalStateException(what + ": Kiln's output is " + actual.dtype() + " " + actual.shape() + ", PyTorch's "
                    + expected.dtype() + " " + expected.shape());
        }
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]) / Math.max(1, Math.abs(e[i]));
            worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
        }
        if (worst > TOLERANCE) {
            throw new IllegalStateException(what + ": Kiln's output differs from PyTorch's by " + worst + " > " + TOLERANCE);
        }
        System.out.printf("%n%s: Kiln matches PyTorch to %.2e%n", what, worst);
    }

    @TearDown
    public void tearDown() {
        Kiln.setNumThreads(before);
    }

    @Benchmark
    public Tensor compiledInference() {
        return serve.run(x);
    }
}
