package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.SGD;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One compiled function shared by threads: parallel inference gives single-threaded bits; training calls serialize. */
class SharedCompiledFunctionTest {
    private static final int THREADS = 16;
    private static final int CALLS = 10_000;

    @Test
    void sixteenThreadsShareOneInferenceFunction() throws Exception {
        Kiln.manualSeed(7);
        Sequential mlp = new Sequential(new Linear(16, 32), new Tanh(), new Linear(32, 32), new Tanh(), new Linear(32, 4));
        CompiledFunction forward = Kiln.compile(in -> {
            try (var noGrad = Kiln.noGrad()) {
                return mlp.forward(in[0]);
            }
        });
        int batches = 4;
        Tensor[] inputs = new Tensor[batches];
        for (int b = 0; b < batches; b++) {
            inputs[b] = Tensor.randn(Shape.of(8, 16), DType.FLOAT32, new Generator(100 + b));
        }
        // Single-threaded bits of each batch, from a private function: its first calls run the plan's
        // scalar loops, and after CompiledPlan's switch (5,000 runs) their Vector API form; either counts.
        List<Set<String>> allowed = new ArrayList<>();
        CompiledFunction alone = Kiln.compile(in -> {
            try (var noGrad = Kiln.noGrad()) {
                return mlp.forward(in[0]);
            }
        });
        for (int b = 0; b < batches; b++) {
            allowed.add(new HashSet<>());
        }
        for (int i = 0; i < 6000; i++) {
            int b = i % batches;
            allowed.get(b).add(bits(alone.call(inputs[b])));
        }
        for (Set<String> s : allowed) {
            assertTrue(s.size() <= 2, "a plan has at most two forms");
        }
        AtomicInteger wrong = new AtomicInteger();
        inParallel(THREADS, id -> {
            for (int i = 0; i < CALLS; i++) {
                int b = (id + i) % batches;
                if (!allowed.get(b).contains(bits(forward.call(inputs[b])))) {
                    wrong.incrementAndGet();
                }
            }
        });
        assertEquals(0, wrong.get(), "results that differ from the single-threaded bits");
        assertEquals(1, forward.compilations());
        assertEquals((long) THREADS * CALLS - 1, forward.stats().hits());
    }

    /** Runs {@code body(id)} on {@code n} platform threads started together; fails on anything thrown. */
    private static void inParallel(int n, java.util.function.IntConsumer body) throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    body.accept(id);
                } catch (Throwable e) {
                    thrown.add(e);
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), List.copyOf(thrown), "exceptions");
    }

    private static String bits(Tensor t) {
        StringBuilder sb = new StringBuilder(t.shape().toString());
        for (double v : t.toDoubleArray()) {
            sb.append(',').append(Float.floatToRawIntBits((float) v));
        }
        return sb.toString();
    }

    /** A small float64 MLP and its SGD-with-momentum training step, compiled. */
    private static final class Trainer {
        final Tensor w1;
        final Tensor b1;
        final Tensor w2;
        final Tensor b2;
        final SGD opt;
        final CompiledFunction step;

        Trainer() {
            Generator g = new Generator(42);
            w1 = Tensor.randn(Shape.of(16, 4), DType.FLOAT64, g).mul(0.5).requiresGrad_(true);
            b1 = Tensor.zeros(Shape.of(16), DType.FLOAT64).requiresGrad_(true);
            w2 = Tensor.randn(Shape.of(1, 16), DType.FLOAT64, g).mul(0.5).requiresGrad_(true);
            b2 = Tensor.zeros(Shape.of(1), DType.FLOAT64).requiresGrad_(true);
            opt = new SGD(List.of(w1, b1, w2, b2), 0.05, 0.9);
            step = Kiln.compile(in -> {
                opt.zeroGrad();
                Tensor h = in[0].matmul(w1.t()).add(b1).tanh();
                Tensor loss = h.matmul(w2.t()).add(b2).sub(in[1]).pow(2).mean();
                loss.backward();
                opt.step();
                return loss;
            });
        }

        List<double[]> parameters() {
            return List.of(w1.toDoubleArray(), b1.toDoubleArray(), w2.toDoubleArray(), b2.toDoubleArray());
        }
    }

    private record Call(int thread, int index, double loss) {
    }

    @Test
    void trainingCallsSerializeInLockOrder() throws Exception {
        int threads = 4;
        int calls = 50;
        Trainer shared = new Trainer();
        Tensor[][][] batches = new Tensor[threads][calls][];
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < calls; i++) {
                Generator g = new Generator(1000 * t + i);
                batches[t][i] = new Tensor[] {Tensor.randn(Shape.of(8, 4), DType.FLOAT64, g),
                        Tensor.randn(Shape.of(8, 1), DType.FLOAT64, g)};
            }
        }
        List<List<Call>> byThread = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            byThread.add(new ArrayList<>());
        }
        inParallel(threads, id -> {
            for (int i = 0; i < calls; i++) {
                byThread.get(id).add(new Call(id, i, shared.step.call(batches[id][i]).item()));
            }
        });
        // Replay serially. Each call's loss was computed from the parameters it found, so the call
        // that took the lock next is the one (among each thread's next call) whose loss the replay
        // reproduces from the replayed parameters — exactly, since it runs the same plan.
        Trainer replay = new Trainer();
        int[] next = new int[threads];
        for (int done = 0; done < threads * calls; done++) {
            Call found = null;
            double[] evaluated = new double[threads];
            for (int t = 0; t < threads; t++) {
                if (next[t] < calls) {
                    evaluated[t] = loss(replay, batches[t][next[t]]);
                    if (Math.abs(evaluated[t] - byThread.get(t).get(next[t]).loss()) <= 1e-12 * Math.abs(evaluated[t])) {
                        assertTrue(found == null, "two calls fit position " + done);
                        found = byThread.get(t).get(next[t]);
                    }
                }
            }
            assertTrue(found != null, "no thread's next call fits position " + done + " of the serial replay");
            double got = replay.step.call(batches[found.thread()][found.index()]).item();
            assertEquals(Double.doubleToRawLongBits(found.loss()), Double.doubleToRawLongBits(got),
                    "the replayed call's loss, bit for bit, at position " + done);
            next[found.thread()]++;
        }
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(replay.parameters().get(i), shared.parameters().get(i), "parameter " + i + " after replay");
        }
        assertEquals(1, shared.step.compilations());
    }

    /** The loss a training call would report, without training (same arithmetic, float64). */
    private static double loss(Trainer m, Tensor[] batch) {
        try (var noGrad = Kiln.noGrad()) {
            Tensor h = batch[0].matmul(m.w1.t()).add(m.b1).tanh();
            return h.matmul(m.w2.t()).add(m.b2).sub(batch[1]).pow(2).mean().item();
        }
    }
}
