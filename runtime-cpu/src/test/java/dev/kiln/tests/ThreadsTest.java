package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.Kiln;
import dev.kiln.Tensor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Eager training on separate tensors from several threads gives each thread its single-threaded result. */
class ThreadsTest {
    private static double[] train(long seed) {
        Kiln.manualSeed(seed);
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 200);
        Tensor y = x.sin();
        Tensor a = Tensor.randn().requiresGrad_(true);
        Tensor b = Tensor.randn().requiresGrad_(true);
        for (int t = 0; t < 200; t++) {
            Tensor loss = a.add(b.mul(x)).sub(y).pow(2).sum();
            loss.backward();
            try (var g = Kiln.noGrad()) {
                a.sub_(a.grad().mul(1e-4));
                b.sub_(b.grad().mul(1e-4));
                a.clearGrad();
                b.clearGrad();
            }
        }
        return new double[] {a.item(), b.item()};
    }

    @Test
    void threadsDoNotInterfere() throws Exception {
        double[] alone1 = train(1);
        double[] alone2 = train(2);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 3; round++) {
                Future<double[]> f1 = pool.submit(() -> train(1));
                Future<double[]> f2 = pool.submit(() -> train(2));
                assertArrayEquals(alone1, f1.get());
                assertArrayEquals(alone2, f2.get());
            }
        }
    }
}
