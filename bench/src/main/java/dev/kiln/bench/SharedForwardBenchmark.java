package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Inference from several threads: one compiled forward shared by all of them against one private
 * compiled forward per thread (each over the same model), MLP 32 → 128 → 128 → 8 with tanh, batch
 * 32, under no-grad. Run with {@code -t 1}, {@code -t 2}, {@code -t 4}; the target is shared ≥ 0.9×
 * the private throughput. Kiln's own intra-op threads are off (one per call), so the callers are
 * the parallelism.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class SharedForwardBenchmark {
    static Sequential model() {
        Kiln.manualSeed(3);
        return new Sequential(new Linear(32, 128), new Tanh(), new Linear(128, 128), new Tanh(), new Linear(128, 8));
    }

    static CompiledFunction forward(Sequential mlp) {
        return Kiln.compile(in -> {
            try (var noGrad = Kiln.noGrad()) {
                return mlp.forward(in[0]);
            }
        });
    }

    /** A compiled forward over a fresh model; the scope of the subclass says who shares it. */
    public abstract static class Compiled {
        CompiledFunction fn;

        @Setup
        public void setup() {
            Kiln.setNumThreads(1);
            fn = forward(model());
        }
    }

    /** The one function every thread calls. */
    @State(Scope.Benchmark)
    public static class Shared extends Compiled {
    }

    /** A function of the thread's own. */
    @State(Scope.Thread)
    public static class Private extends Compiled {
    }

    /** The thread's input batch. */
    @State(Scope.Thread)
    public static class Input {
        private static final AtomicInteger NEXT = new AtomicInteger();
        Tensor x;

        @Setup
        public void setup() {
            x = Tensor.randn(Shape.of(32, 32), DType.FLOAT32, new Generator(NEXT.incrementAndGet()));
        }
    }

    @Benchmark
    public Tensor shared(Shared s, Input in) {
        return s.fn.call(in.x);
    }

    @Benchmark
    public Tensor own(Private p, Input in) {
        return p.fn.call(in.x);
    }
}
