package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} (an embedding application that
 * did not add it) runs the scalar GEMM path, gets the same products, and is told once, at WARNING,
 * how much slower that is.
 */
class ScalarFallbackTest {
    /** Runs in the child JVM: two products and a compiled step, so a second use must not log again. */
    public static void main(String[] args) {
        float[] a = new float[40 * 30];
        float[] b = new float[30 * 20];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) - 3;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 5) - 2;
        }
        float[] c = new float[40 * 20];
        Gemm.sgemm(a, 0, 30, 1, b, 0, 20, 1, c, 0, 40, 20, 30);
        Gemm.sgemm(a, 0, 30, 1, b, 0, 20, 1, c, 0, 40, 20, 30);
        dev.kiln.Tensor x = dev.kiln.Tensor.ones(5000);
        dev.kiln.Kiln.compile(in -> in[0].mul(2).add(1).sum()).call(x);
        double sum = 0;
        for (float v : c) {
            sum += v;
        }
        System.out.println("simd=" + Gemm.simd() + " sum=" + sum);
    }

    @Test
    void withoutTheVectorModuleTheScalarPathRunsAndSaysSoOnce() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), ScalarFallbackTest.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("simd=false"), out);
        float expected = 0;
        for (int i = 0; i < 40; i++) {
            for (int j = 0; j < 20; j++) {
                for (int k = 0; k < 30; k++) {
                    expected += (float) (((i * 30 + k) % 7) - 3) * (((k * 20 + j) % 5) - 2);
                }
            }
        }
        assertTrue(out.contains("sum=" + (double) expected), "same products as a triple loop: " + out);
        int told = out.split("jdk.incubator.vector is not enabled", -1).length - 1;
        assertEquals(1, told, "one log line: " + out);
        // java.util.logging's default format puts the level before the message
        assertTrue(out.contains("WARNING: " + VectorSupport.SCALAR_WARNING), "a WARNING: " + out);
        assertTrue(VectorSupport.SCALAR_WARNING.matches(".* \\d+-\\d+x slower.*"), "with the measured factor: " + out);
    }
}
