package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 256 MB checkpoint loads in a JVM of 400 MB of heap: the file is mapped and each tensor's bytes go
 * once into its array, never through a second copy on the heap.
 */
class LargeCheckpointTest {
    @TempDir
    Path dir;

    static final int N = 1 << 26; // 64 Mi floats: 256 MiB

    static float value(int i) {
        return (i % 1021) * 0.5f - (i >>> 20);
    }

    /** In the child: loads {@code args[0]}, checks every element and prints a checksum. */
    public static void main(String[] args) {
        Map<String, Tensor> t = Safetensors.load(Path.of(args[0]));
        // the tensor's own array (toFloatArray would copy it, which this heap has no room for)
        float[] w = (float[]) Tensors.data(t.get("big")).storage().array();
        for (int i = 0; i < w.length; i++) {
            if (w[i] != value(i)) {
                System.out.println("element " + i + " is " + w[i]);
                System.exit(2);
            }
        }
        System.out.println("loaded " + w.length + " floats, step " + (long) t.get("step").item() + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
    }

    @Test
    void a256MegabyteCheckpointLoadsInAChildJvmWith400MegabytesOfHeap() throws Exception {
        Path f = dir.resolve("big.safetensors");
        {
            float[] v = new float[N];
            for (int i = 0; i < N; i++) {
                v[i] = value(i);
            }
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("big", Tensor.of(v));
            m.put("step", Tensor.of(7L));
            Safetensors.save(f, m);
        }
        assertTrue(Files.size(f) > 256L << 20, "size " + Files.size(f));
        ChildJvm.Result r = ChildJvm.run(LargeCheckpointTest.class, List.of("-Xmx400m"), List.of(f.toString()), 120);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("loaded " + N + " floats, step 7"), r.output());
    }
}
