package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Module;
import dev.kiln.optim.SGD;
import java.util.Random;
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
 * The seed's DynamicNet step (SGD with momentum) in Kiln's dynamic mode — re-trace, structural
 * lookup, run — next to the same step compiled statically with a fixed number of terms (so the
 * difference is the re-trace and lookup), and the whole 30000-step run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DynamicNetBenchmark {
    static final class DynamicNet extends Module {
        final Tensor a = parameter("a", Tensor.randn());
        final Tensor b = parameter("b", Tensor.randn());
        final Tensor c = parameter("c", Tensor.randn());
        final Tensor d = parameter("d", Tensor.randn());
        final Tensor e = parameter("e", Tensor.randn());
        final Random random;
        int fixedTerms = -1;

        DynamicNet(Random random) {
            this.random = random;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
            int last = 4 + (fixedTerms >= 0 ? fixedTerms : random.nextInt(3));
            for (int exp = 4; exp < last; exp++) {
                y = y.add(e.mul(x.pow(exp)));
            }
            return y;
        }
    }

    DynamicNet model;
    CompiledFunction dynamic;
    CompiledFunction fixed;

    static CompiledFunction compile(DynamicNet model, CompiledFunction.Mode mode) {
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();
        MSELoss criterion = new MSELoss(Reduction.SUM);
        SGD optimizer = new SGD(model.parameters(), 1e-8, 0.9);
        return Kiln.compile(in -> {
            Tensor loss = criterion.forward(model.forward(x), y);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            return loss;
        }, mode);
    }

    @Setup
    public void setup() {
        Kiln.manualSeed(8);
        model = new DynamicNet(new Random(8));
        dynamic = compile(model, CompiledFunction.Mode.DYNAMIC);
        DynamicNet fixedModel = new DynamicNet(new Random(8));
        fixedModel.fixedTerms = 1;
        fixed = compile(fixedModel, CompiledFunction.Mode.STATIC);
    }

    @Benchmark
    public Tensor dynamicStep() {
        return dynamic.call();
    }

    /** Re-trace and plan lookup alone: {@code prepare} does what a call does before running the plan. */
    @Benchmark
    public boolean retraceAndLookup() {
        return dynamic.prepare();
    }

    @Benchmark
    public Tensor staticStepSameSize() {
        return fixed.call();
    }

    /** The sample's whole run: 30000 dynamic steps from a fresh model. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public int whole30000StepRun() {
        Kiln.manualSeed(8);
        DynamicNet m = new DynamicNet(new Random(8));
        CompiledFunction f = compile(m, CompiledFunction.Mode.DYNAMIC);
        for (int t = 0; t < 30000; t++) {
            f.call();
        }
        return f.compilations();
    }
}
