package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.Generation;
import dev.kiln.nn.GenerationConfig;
import dev.kiln.nn.Utils;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.samples.Gpt;
import java.util.List;
import java.util.Random;
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
 * The char-gpt sample's model (nanoGPT's CPU configuration: vocabulary 113, 4 layers, 4 heads, width 128, block 64,
 * batch 12): the compiled training step (forward, cross-entropy, backward, clipping at 1.0, AdamW), and
 * generation with {@link Generation}'s key/value cache — 63 tokens after a one-token prompt, sampled at
 * temperature 0.8 with top-k 200; tokens per second = 63 / the time. bench/pytorch_char_gpt.py --time and
 * --time-generate measure PyTorch 1.13 on the same sizes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class CharGptBenchmark {
    static final int VOCAB = 113;
    static final int BATCH = 12;
    static final int BLOCK = 64;

    @Param({"1", "2"})
    int threads;

    CompiledFunction step;
    Tensor x;
    Tensor y;
    Generation generation;
    GenerationConfig config;
    int before;

    @Setup
    public void setup() {
        before = Kiln.numThreads();
        Kiln.setNumThreads(threads);
        Gpt model = new Gpt(new Gpt.Config(VOCAB, BLOCK, 4, 4, 128), new Generator(1337));
        List<List<Tensor>> groups = model.decayAndNoDecay();
        Adam.Options base = Adam.Options.lr(1e-3).withBetas(0.9, 0.99);
        AdamW opt = new AdamW(List.of(new Optimizer.ParamGroup<>(groups.get(0), base.withWeightDecay(0.1)),
                new Optimizer.ParamGroup<>(groups.get(1), base.withWeightDecay(0))));
        List<Tensor> params = model.parameters();
        step = Kiln.compile(in -> {
            opt.zeroGrad();
            Tensor loss = model.loss(in[0], in[1]);
            loss.backward();
            Utils.clipGradNorm(params, 1.0);
            opt.step();
            return loss;
        });
        Random r = new Random(5);
        long[] tokens = new long[BATCH * (BLOCK + 1)];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(VOCAB);
        }
        Tensor all = Tensor.of(tokens).reshape(BATCH, BLOCK + 1);
        x = all.slice(1, 0, BLOCK, 1).contiguous();
        y = all.slice(1, 1, BLOCK + 1, 1).contiguous();
        step.call(x, y);
        Gpt served = new Gpt(new Gpt.Config(VOCAB, BLOCK, 4, 4, 128), new Generator(1337));
        served.eval();
        generation = Generation.of(served, BLOCK);
        config = GenerationConfig.sampling(BLOCK - 1, 0.8, 200, 1.0);
    }

    @TearDown
    public void tearDown() {
        Kiln.setNumThreads(before);
    }

    /** One compiled training step of nanoGPT's CPU configuration. */
    @Benchmark
    public Tensor trainingStep() {
        return step.call(x, y);
    }

    /** 63 tokens generated with the key/value cache (prefill of one token, 62 decode steps). */
    @Benchmark
    public long[] generate63Tokens() {
        return generation.generate(new long[] {0}, config, new Generator(0));
    }
}
