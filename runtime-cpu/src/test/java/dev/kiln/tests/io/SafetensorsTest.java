package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips of every dtype and shape kind, the reference writer's bytes, and modules' save and load. */
class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void everyDtypeRoundTripsWithItsValuesShapeAndDtype() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f64", Tensor.fromArray(new double[] {1.5, -0.0, Double.NaN, Double.MIN_VALUE, 1e308, -3}, Shape.of(2, 3), DType.FLOAT64));
        in.put("f32", Tensor.of(1.25f, Float.NEGATIVE_INFINITY, 3e-45f, 7f).reshape(2, 2));
        in.put("i64", Tensor.of(Long.MIN_VALUE, -1L, Long.MAX_VALUE));
        in.put("i32", Tensor.of(DType.INT32, 7, -8, Integer.MAX_VALUE, Integer.MIN_VALUE));
        in.put("bool", Tensor.of(DType.BOOL, 1, 0, 0, 1, 1));
        in.put("scalar", Tensor.scalar(2.5, DType.FLOAT64));
        in.put("empty", Tensor.zeros(Shape.of(0, 3), DType.FLOAT32));
        in.put("empty0d", Tensor.zeros(Shape.of(4, 0, 2), DType.INT64));
        Path f = dir.resolve("all.safetensors");
        Safetensors.save(f, in);
        Map<String, Tensor> out = Safetensors.load(f);
        assertEquals(in.keySet(), out.keySet());
        in.forEach((k, v) -> {
            Tensor w = out.get(k);
            assertEquals(v.dtype(), w.dtype(), k);
            assertEquals(v.shape(), w.shape(), k);
            if (v.dtype().isFloating()) {
                double[] a = v.toDoubleArray();
                double[] b = w.toDoubleArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(b[i]), k + "[" + i + "]");
                }
            } else {
                assertArrayEquals(v.toLongArray(), w.toLongArray(), k);
            }
        });
    }

    @Test
    void loadReturnsEntriesInFileOffsetOrderWhichIsTheReferenceWritersOrder() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("b", Tensor.of(1f));
        in.put("flag", Tensor.of(DType.BOOL, 1));
        in.put("a", Tensor.of(2f));
        in.put("count", Tensor.of(3L));
        in.put("idx", Tensor.of(DType.INT32, 4));
        in.put("w", Tensor.of(DType.FLOAT64, 5));
        Path f = dir.resolve("order.safetensors");
        Safetensors.save(f, in);
        // I64, F64, F32 (by name), I32, BOOL
        assertEquals(List.of("count", "w", "a", "b", "idx", "flag"), List.copyOf(Safetensors.load(f).keySet()));
    }

    @Test
    void theHeaderIsCompactJsonWithMetadataFirstPaddedWithSpacesToEightBytes() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("weight", Tensor.of(1f, 2f, 3f, 4f, 5f, 6f).reshape(2, 3));
        in.put("bias", Tensor.of(0.5f, -0.5f));
        Path f = dir.resolve("h.safetensors");
        Safetensors.save(f, in, Map.of("format", "pt", "a\"b", "line\nbreak\u0001é"));
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String expected = "{\"__metadata__\":{\"a\\\"b\":\"line\\nbreak\\u0001é\",\"format\":\"pt\"},"
                + "\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}}";
        byte[] json = expected.getBytes(StandardCharsets.UTF_8);
        assertEquals(0, n % 8);
        assertEquals((json.length + 7) / 8 * 8, n);
        assertEquals(expected + " ".repeat((int) n - json.length), new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals(8 + n + 32, bytes.length);
        ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) n, 32).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[8];
        data.asFloatBuffer().get(values);
        assertArrayEquals(new float[] {0.5f, -0.5f, 1, 2, 3, 4, 5, 6}, values);
        assertEquals(Map.of("format", "pt", "a\"b", "line\nbreak\u0001é"), Safetensors.metadata(f));
        assertEquals(Map.of(), Safetensors.metadata(save("none.safetensors", Map.of("x", Tensor.of(1f)))));
    }

    @Test
    void viewsAreWrittenAsTheirValues() {
        Tensor base = Tensor.arange(12).to(DType.FLOAT32).reshape(3, 4);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("t", base.t());
        in.put("slice", base.slice(1, 1, 4, 2));
        in.put("row", base.select(0, 2));
        Map<String, Tensor> out = Safetensors.load(save("views.safetensors", in));
        in.forEach((k, v) -> {
            assertEquals(v.shape(), out.get(k).shape(), k);
            assertArrayEquals(v.contiguous().toFloatArray(), out.get(k).toFloatArray(), k);
        });
    }

    @Test
    void halfPrecisionEntriesLoadAsFloat32() throws IOException {
        // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 0x0001; BF16: 1.0 = 0x3F80, -3.0 = 0xC040
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[12,14]}}";
        ByteBuffer data = ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x7BFF).putShort((short) 0x0001);
        data.putShort((short) 0x3F80).putShort((short) 0xC040);
        data.put((byte) 200).put((byte) 7);
        Path f = Fixtures.write(dir.resolve("half.safetensors"), header, data.array());
        Map<String, Tensor> out = Safetensors.load(f);
        assertEquals(DType.FLOAT32, out.get("h").dtype());
        assertArrayEquals(new float[] {1f, -2.5f, 65504f, 0x1.0p-24f}, out.get("h").toFloatArray());
        assertArrayEquals(new float[] {1f, -3f}, out.get("b").toFloatArray());
        assertEquals(DType.INT32, out.get("u").dtype());
        assertArrayEquals(new long[] {200, 7}, out.get("u").toLongArray());
    }

    /** A model with a tied weight and a buffer. */
    static final class Tied extends Module {
        final Linear a = module("a", new Linear(3, 3));
        final Linear b = module("b", new Linear(3, 3));
        final Tensor steps = registerBuffer("steps", Tensor.of(41L));

        Tied() {
            b.registerParameter("shared", a.weight);
        }
    }

    @Test
    void tiedParametersAreWrittenUnderEachNameAndLoadBackIntoOneTensor() {
        Tied m = new Tied();
        Path f = dir.resolve("tied.safetensors");
        m.save(f);
        Map<String, Tensor> file = Safetensors.load(f);
        assertTrue(file.containsKey("a.weight") && file.containsKey("b.shared"), file.keySet().toString());
        assertArrayEquals(file.get("a.weight").toFloatArray(), file.get("b.shared").toFloatArray());
        Tied fresh = new Tied();
        fresh.load(f);
        assertArrayEquals(m.a.weight.toFloatArray(), fresh.a.weight.toFloatArray());
        assertSame(fresh.a.weight, fresh.namedParameters().get("a.weight"));
        assertArrayEquals(new long[] {41}, fresh.steps.toLongArray());
    }

    @Test
    void aModuleLoadsWhatItSavedAndComputesTheSame() {
        Sequential m = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 1));
        Path f = dir.resolve("mlp.safetensors");
        m.save(f);
        Sequential other = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 1));
        other.load(f);
        Tensor x = Tensor.of(0.5f, -1f, 2f, 0.25f).reshape(2, 2);
        assertArrayEquals(m.forward(x).toFloatArray(), other.forward(x).toFloatArray());
    }

    @Test
    void aStrictModuleLoadRefusesOtherKeysOrShapesAndChangesNothing() {
        Sequential m = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 1));
        Path f = dir.resolve("mlp.safetensors");
        m.save(f);
        Sequential wider = new Sequential(new Linear(2, 9), new Tanh(), new Linear(9, 1));
        float[] before = wider.<Linear>get(0).weight.toFloatArray();
        KilnException e = assertThrows(KilnException.class, () -> wider.load(f));
        assertTrue(e.getMessage().contains("0.weight") && e.getMessage().contains("[9, 2]"), e.getMessage());
        assertArrayEquals(before, wider.<Linear>get(0).weight.toFloatArray());
        Sequential shorter = new Sequential(new Linear(2, 8));
        e = assertThrows(KilnException.class, () -> shorter.load(f));
        assertTrue(e.getMessage().contains("unexpected keys [2.bias, 2.weight]"), e.getMessage());
    }

    @Test
    void savingRefusesWhatTheFormatCannotHold() {
        Path f = dir.resolve("x.safetensors");
        assertThrows(KilnException.class, () -> Safetensors.save(f, Map.of("__metadata__", Tensor.of(1f))));
        Map<String, Tensor> withNull = new LinkedHashMap<>();
        withNull.put("x", null);
        assertThrows(KilnException.class, () -> Safetensors.save(f, withNull));
        KilnException e = assertThrows(KilnException.class,
                () -> Safetensors.save(dir.resolve("no/such/dir/x.safetensors"), Map.of("x", Tensor.of(1f))));
        assertTrue(e.getMessage().contains("no/such/dir"), e.getMessage());
        assertTrue(Files.notExists(f));
    }

    @Test
    void aNewFileHasDefaultPermissionsAndAReplacedOneKeepsItsOwn() throws IOException {
        Path f = dir.resolve("perm.safetensors");
        Safetensors.save(f, Map.of("x", Tensor.of(1f)));
        java.util.Set<java.nio.file.attribute.PosixFilePermission> fresh = Files.getPosixFilePermissions(f);
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), fresh, "as any new file (not createTempFile's owner-only)");
        var chosen = java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----");
        Files.setPosixFilePermissions(f, chosen);
        Safetensors.save(f, Map.of("x", Tensor.of(2f)));
        assertEquals(chosen, Files.getPosixFilePermissions(f));
        assertEquals(2.0, Safetensors.load(f).get("x").toDoubleArray()[0]);
    }

    private Path save(String name, Map<String, Tensor> tensors) {
        Path f = dir.resolve(name);
        Safetensors.save(f, tensors);
        return f;
    }
}
