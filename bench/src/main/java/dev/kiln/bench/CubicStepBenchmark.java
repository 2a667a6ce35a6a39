package dev.kiln.bench;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * The seed's cubic-fit training step (forward, loss, four gradient sums, four updates) at 2000
 * and 1,000,000 points: Kiln compiled (at 1 and 2 threads), Kiln eager, and two hand-written
 * baselines — a single scalar loop, and a Vector API loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class CubicStepBenchmark {
    /** Kiln's width ({@link BenchSimd}): 512 bits on AVX-512 unless {@code -Dkiln.simd.bits} says otherwise. */
    private static final VectorSpecies<Float> S = BenchSimd.FLOAT;

    @Param({"2000", "1000000"})
    int n;

    /** Kiln's thread count (the hand-written loops are single-threaded). */
    @Param({"1", "2"})
    int threads;

    Tensor x;
    Tensor y;
    Tensor a;
    Tensor b;
    Tensor c;
    Tensor d;
    CompiledFunction compiled;
    float[] xs;
    float[] ys;
    float[] w;

    @Setup
    public void setup() {
        Kiln.setNumThreads(threads);
        Kiln.manualSeed(2);
        x = Tensor.linspace(-Math.PI, Math.PI, n);
        y = x.sin();
        a = Tensor.randn().requiresGrad_(true);
        b = Tensor.randn().requiresGrad_(true);
        c = Tensor.randn().requiresGrad_(true);
        d = Tensor.randn().requiresGrad_(true);
        compiled = Kiln.compile(in -> step());
        xs = x.toFloatArray();
        ys = y.toFloatArray();
        w = new float[] {(float) a.item(), (float) b.item(), (float) c.item(), (float) d.item()};
    }

    /** The autograd sample's step. */
    private Tensor step() {
        Tensor loss = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3))).sub(y).pow(2).sum();
        loss.backward();
        try (var noGrad = Kiln.noGrad()) {
            for (Tensor p : new Tensor[] {a, b, c, d}) {
                p.sub_(p.grad().mul(1e-6));
                p.clearGrad();
            }
        }
        return loss;
    }

    @Benchmark
    public Tensor kilnCompiled() {
        return compiled.call();
    }

    @Benchmark
    public Tensor kilnEager() {
        return step();
    }

    /** The same step as one hand-written loop over float arrays, sums in double. */
    @Benchmark
    public double handWrittenScalarLoop() {
        float pa = w[0];
        float pb = w[1];
        float pc = w[2];
        float pd = w[3];
        double loss = 0;
        double ga = 0;
        double gb = 0;
        double gc = 0;
        double gd = 0;
        for (int i = 0; i < n; i++) {
            float xi = xs[i];
            float x2 = xi * xi;
            float x3 = x2 * xi;
            float r = pa + pb * xi + pc * x2 + pd * x3 - ys[i];
            loss += r * r;
            float g = 2 * r;
            ga += g;
            gb += g * xi;
            gc += g * x2;
            gd += g * x3;
        }
        w[0] = (float) (pa - 1e-6 * ga);
        w[1] = (float) (pb - 1e-6 * gb);
        w[2] = (float) (pc - 1e-6 * gc);
        w[3] = (float) (pd - 1e-6 * gd);
        return loss;
    }

    /**
     * The same step with the Vector API at Kiln's width (16 points per vector at 512 bits), fused multiply-adds, float
     * accumulators reduced into doubles every 1024 points (blocked summation keeps a million-point
     * sum accurate), a scalar tail.
     */
    @Benchmark
    public double handWrittenVectorLoop() {
        float pa = w[0];
        float pb = w[1];
        float pc = w[2];
        float pd = w[3];
        FloatVector va = FloatVector.broadcast(S, pa);
        FloatVector vb = FloatVector.broadcast(S, pb);
        FloatVector vc = FloatVector.broadcast(S, pc);
        FloatVector vd = FloatVector.broadcast(S, pd);
        double loss = 0;
        double ga = 0;
        double gb = 0;
        double gc = 0;
        double gd = 0;
        int bound = S.loopBound(n);
        int i = 0;
        while (i < bound) {
            int blockEnd = Math.min(bound, i + 1024);
            FloatVector l = FloatVector.zero(S);
            FloatVector sa = l;
            FloatVector sb = l;
            FloatVector sc = l;
            FloatVector sd = l;
            for (; i < blockEnd; i += S.length()) {
                FloatVector xi = FloatVector.fromArray(S, xs, i);
                FloatVector x2 = xi.mul(xi);
                FloatVector x3 = x2.mul(xi);
                FloatVector r = vd.fma(x3, vc.fma(x2, vb.fma(xi, va))).sub(FloatVector.fromArray(S, ys, i));
                l = r.fma(r, l);
                FloatVector g = r.add(r);
                sa = sa.add(g);
                sb = g.fma(xi, sb);
                sc = g.fma(x2, sc);
                sd = g.fma(x3, sd);
            }
            loss += l.reduceLanes(VectorOperators.ADD);
            ga += sa.reduceLanes(VectorOperators.ADD);
            gb += sb.reduceLanes(VectorOperators.ADD);
            gc += sc.reduceLanes(VectorOperators.ADD);
            gd += sd.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float xi = xs[i];
            float x2 = xi * xi;
            float x3 = x2 * xi;
            float r = pa + pb * xi + pc * x2 + pd * x3 - ys[i];
            loss += r * r;
            float g = 2 * r;
            ga += g;
            gb += g * xi;
            gc += g * x2;
            gd += g * x3;
        }
        w[0] = (float) (pa - 1e-6 * ga);
        w[1] = (float) (pb - 1e-6 * gb);
        w[2] = (float) (pc - 1e-6 * gc);
        w[3] = (float) (pd - 1e-6 * gd);
        return loss;
    }
}
