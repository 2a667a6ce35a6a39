package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save cut short by a crash (a child JVM halted by the test-only {@code kiln.io.haltAfterBytes}
 * after k bytes) leaves the previous checkpoint intact under the target's name, and no partial file
 * there: at most a stray temporary file beside it.
 */
class CrashSafeSaveTest {
    @TempDir
    Path dir;

    /** In the child: saves a checkpoint of 2¹⁸ floats of value {@code args[1]} over {@code args[0]}. */
    public static void main(String[] args) {
        float[] v = new float[1 << 18];
        java.util.Arrays.fill(v, Float.parseFloat(args[1]));
        Safetensors.save(Path.of(args[0]), Map.of("weight", Tensor.of(v), "step", Tensor.of(Long.parseLong(args[1]))));
        System.out.println("saved");
    }

    @Test
    void aSaveHaltedAfterKBytesLeavesThePreviousCheckpoint() throws Exception {
        Path target = dir.resolve("model.safetensors");
        main(new String[] {target.toString(), "1"});
        byte[] before = Files.readAllBytes(target);
        long total = before.length;
        for (long k : new long[] {0, 5, 8, 100, total / 2, total - 1}) {
            ChildJvm.Result r = ChildJvm.run(CrashSafeSaveTest.class, List.of("-Dkiln.io.haltAfterBytes=" + k),
                    List.of(target.toString(), "2"), 60);
            assertEquals(86, r.exit(), "halted after " + k + " bytes: " + r.output());
            assertFalse(r.output().contains("saved"), r.output());
            assertArrayEquals(before, Files.readAllBytes(target), "the previous checkpoint, byte for byte, after a halt at " + k);
            Map<String, Tensor> loaded = Safetensors.load(target);
            assertEquals(1, loaded.get("step").item());
            List<Path> strays = strays(target);
            assertEquals(1, strays.size(), strays.toString());
            assertEquals(k, Files.size(strays.get(0)), "the halted save wrote " + k + " bytes to its temporary file");
            Files.delete(strays.get(0));
        }
        // and unhalted, the new checkpoint replaces the old whole, leaving no temporary file
        ChildJvm.Result r = ChildJvm.run(CrashSafeSaveTest.class, List.of(), List.of(target.toString(), "2"), 60);
        assertEquals(0, r.exit(), r.output());
        assertEquals(2, Safetensors.load(target).get("step").item());
        assertTrue(strays(target).isEmpty());
    }

    @Test
    void aSaveHaltedWithNoPreviousCheckpointLeavesNoFileUnderTheTargetsName() throws Exception {
        Path target = dir.resolve("first.safetensors");
        ChildJvm.Result r = ChildJvm.run(CrashSafeSaveTest.class, List.of("-Dkiln.io.haltAfterBytes=4096"),
                List.of(target.toString(), "3"), 60);
        assertEquals(86, r.exit(), r.output());
        assertTrue(Files.notExists(target));
    }

    private List<Path> strays(Path target) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("." + target.getFileName() + ".")).toList();
        }
    }
}
