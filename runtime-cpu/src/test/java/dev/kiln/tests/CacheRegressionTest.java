package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CacheStats;
import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The cases reported against the caches, each as it was found; and bounded, quiet caches with counts. */
class CacheRegressionTest {
    /** [3,3], [2,34] and [1,65] share the int[] hash code 1057. */
    private static final List<Shape> COLLIDING = List.of(Shape.of(3, 3), Shape.of(2, 34), Shape.of(1, 65));

    @Test
    void dynamicModeTellsShapesWithEqualHashesApart() {
        CompiledFunction f = Kiln.compile(in -> in[0].tanh().sum(), CompiledFunction.Mode.DYNAMIC);
        for (int round = 0; round < 2; round++) {
            for (Shape s : COLLIDING) {
                double expected = s.numel() * Math.tanh(1.0);
                assertEquals(expected, f.call(Tensor.ones(s, DType.FLOAT32)).item(), 1e-4, "tanh().sum() of ones" + s);
            }
        }
        assertEquals(3, f.compilations());
        // the reported figures: 6.854 for [3,3], 51.79 for [2,34]
        assertEquals(51.79, f.call(Tensor.ones(Shape.of(2, 34), DType.FLOAT32)).item(), 0.01);
    }

    @Test
    void eagerBackwardTellsShapesWithEqualHashesApart() {
        for (List<Shape> order : List.of(List.of(Shape.of(2, 34), Shape.of(3, 3)), List.of(Shape.of(1, 65), Shape.of(2, 34)),
                COLLIDING)) {
            for (Shape s : order) {
                Tensor x = Tensor.ones(s, DType.FLOAT32).mul(0.5).detach().requiresGrad_(true);
                x.tanh().mul(x).sum().backward();
                assertEquals(s, x.grad().shape(), "gradient shape after " + order);
                double t = Math.tanh(0.5);
                double expected = t + 0.5 * (1 - t * t);
                double[] g = x.grad().toDoubleArray();
                double[] want = new double[g.length];
                java.util.Arrays.fill(want, expected);
                assertArrayEquals(want, g, 1e-6, "gradient values for " + s + " after " + order);
            }
        }
    }

    @Test
    void staticPlansAreBoundedAndCounted() {
        CompiledFunction f = Kiln.compile(in -> in[0].exp().sum(), CompiledFunction.Mode.STATIC, 2);
        List<Shape> shapes = List.of(Shape.of(3), Shape.of(4), Shape.of(5));
        for (int round = 0; round < 3; round++) {
            for (Shape s : shapes) {
                assertEquals(s.numel() * Math.E, f.call(Tensor.ones(s, DType.FLOAT64)).item(), 1e-12);
            }
        }
        CacheStats stats = f.stats();
        // LRU of 2 cycling through 3 signatures: every call misses
        assertEquals(9, stats.misses());
        assertEquals(0, stats.hits());
        assertEquals(9, stats.compiles());
        assertEquals(7, stats.evictions());
        f.call(Tensor.ones(Shape.of(5), DType.FLOAT64));
        assertEquals(1, f.stats().hits());
        assertEquals(0, stats.poolOverflows());
    }

    @Test
    void evictionIsReportedOnceThenSummarized() {
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage().contains("dynamic compiled function's plan cache")) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("dev.kiln.cache");
        logger.addHandler(handler);
        try {
            int[] terms = {0};
            CompiledFunction f = Kiln.compile(in -> {
                Tensor y = in[0];
                for (int k = 0; k < terms[0]; k++) {
                    y = y.mul(1.5);
                }
                return y.sum();
            }, CompiledFunction.Mode.DYNAMIC, 2);
            Tensor x = Tensor.ones(4);
            for (int i = 0; i < 400; i++) {
                terms[0] = i % 20;
                assertEquals(4 * Math.pow(1.5, terms[0]), f.call(x).item(), 1e-3 * Math.pow(1.5, terms[0]));
            }
            CacheStats stats = f.stats();
            assertEquals(400, stats.misses());
            assertEquals(398, stats.evictions());
            // one warning; a summary only after a minute has passed
            assertEquals(1, records.size(), records.stream().map(LogRecord::getMessage).toList().toString());
            assertTrue(records.getFirst().getMessage().contains("capacity"), records.getFirst().getMessage());
            // the trace tree shrinks with the evictions
            assertTrue(f.recordedSteps() < 200, "recorded steps " + f.recordedSteps());
        } finally {
            logger.removeHandler(handler);
        }
    }

    @Test
    void maxPlansShrinksTheCache() {
        CompiledFunction f = Kiln.compile(in -> in[0].sum(), CompiledFunction.Mode.STATIC);
        for (int n = 1; n <= 5; n++) {
            f.call(Tensor.ones(n));
        }
        f.maxPlans(2);
        assertEquals(3, f.stats().evictions());
        f.call(Tensor.ones(5));
        assertEquals(5, f.compilations());
        f.call(Tensor.ones(1));
        assertEquals(6, f.compilations());
    }
}
