package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.nn.CrossEntropyLoss;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.samples.DigitsSample;
import java.util.List;
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
 * The classification issue's figures (bench/pytorch_classification.py runs the same in PyTorch): the
 * digits-mlp training step at batch 64 (compiled and eager), a whole epoch of it (1437 images, 23
 * batches, through the DataLoader), and softmax + cross-entropy forward and backward on [4096, 1000]
 * logits (eager and compiled), at 1 and 2 threads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ClassificationBenchmark {
    @Param({"1", "2"})
    int threads;

    Tensor x;
    Tensor y;
    Step eagerStep;
    CompiledFunction compiledStep;
    DataLoader loader;
    Tensor logits;
    Tensor labels;
    CompiledFunction compiledCe;

    static Step step(Sequential model) {
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Adam opt = new Adam(model.parameters(), Adam.Options.lr(DigitsSample.LR));
        return in -> {
            opt.zeroGrad();
            Tensor l = loss.forward(model.forward(in[0]), in[1]);
            l.backward();
            opt.step();
            return l;
        };
    }

    @Setup
    public void setup() {
        Kiln.setNumThreads(threads);
        List<Tensor> data = DigitsSample.load();
        x = data.get(0).slice(0, 0, 64, 1).contiguous();
        y = data.get(1).slice(0, 0, 64, 1).contiguous();
        eagerStep = step(DigitsSample.model());
        compiledStep = Kiln.compile(step(DigitsSample.model()));
        loader = DataLoader.of(DigitsSample.split(new TensorDataset(data.get(0), data.get(1))).get(0)).batchSize(DigitsSample.BATCH)
                .shuffle(new dev.kiln.Generator(1)).build();
        Kiln.manualSeed(3);
        logits = Tensor.randn(4096, 1000).requiresGrad_(true);
        long[] t = new long[4096];
        for (int i = 0; i < t.length; i++) {
            t[i] = (i * 37L) % 1000;
        }
        labels = Tensor.of(t);
        compiledCe = Kiln.compile(in -> {
            logits.clearGrad();
            Tensor l = Functional.crossEntropy(logits, labels, null, Functional.IGNORE_INDEX, 0, Reduction.MEAN);
            l.backward();
            return l;
        });
    }

    /** One compiled digits-mlp step on a batch of 64. */
    @Benchmark
    public Tensor digitsStepCompiled() {
        return compiledStep.call(x, y);
    }

    @Benchmark
    public Tensor digitsStepEager() {
        return eagerStep.apply(x, y);
    }

    /** A whole epoch, compiled: 23 batches from the shuffling DataLoader. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double digitsEpochCompiled() {
        double s = 0;
        for (List<Tensor> b : loader) {
            s += compiledStep.call(b.get(0), b.get(1)).item();
        }
        return s;
    }

    /** softmax + cross-entropy forward and backward on [4096, 1000], eager. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor crossEntropy4096x1000Eager() {
        logits.clearGrad();
        Tensor l = Functional.crossEntropy(logits, labels, null, Functional.IGNORE_INDEX, 0, Reduction.MEAN);
        l.backward();
        return logits.grad();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor crossEntropy4096x1000Compiled() {
        compiledCe.call();
        return logits.grad();
    }
}
