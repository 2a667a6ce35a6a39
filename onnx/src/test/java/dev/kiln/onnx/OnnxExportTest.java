package dev.kiln.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Functional;
import dev.kiln.nn.GELU;
import dev.kiln.nn.LayerNorm;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MaxPool2d;
import dev.kiln.nn.Module;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import onnx.Onnx.ModelProto;
import onnx.Onnx.TensorProto;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kiln models written as ONNX: re-imported they give the same outputs, and ONNX's own checker accepts them. */
class OnnxExportTest {
    @TempDir
    Path dir;

    static Module cnn() {
        Kiln.manualSeed(5);
        return new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 5 * 5, 10)).eval();
    }

    static Module mlp() {
        Kiln.manualSeed(6);
        return new Sequential(new Linear(6, 16), new LayerNorm(16), new GELU(), new Dropout(0.3), new Linear(16, 3)).eval();
    }

    private static void assertSame(Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 1e-6f);
    }

    @Test
    void reimportedCnnGivesKilnsOutputs() {
        Module model = cnn();
        Tensor x = Tensor.randn(2, 1, 12, 12);
        Path f = dir.resolve("cnn.onnx");
        Onnx.export(model, x, f);
        OnnxModule back = Onnx.load(f);
        try (var s = Kiln.noGrad()) {
            assertSame(model.forward(x), back.forward(x));
        }
        assertEquals(Exporter.OPSET, back.opset());
    }

    @Test
    void maxPoolingsIndicesExportAsOnnxMaxPoolAndComeBack() {
        Tensor x = Tensor.randn(2, 3, 7, 9);
        int[] k = {3, 2};
        int[] st = {2, 3};
        int[] pad = {1, 1};
        int[] dil = {1, 2};
        Path f = dir.resolve("pool.onnx");
        Onnx.export(xs -> Functional.maxPool2dWithIndices(xs[0], k, st, pad, dil, true).get(1).to(dev.kiln.DType.FLOAT32), List.of(x), f,
                false);
        Tensor expected = Functional.maxPool2dWithIndices(x, k, st, pad, dil, true).get(1).to(dev.kiln.DType.FLOAT32);
        assertArrayEquals(expected.toFloatArray(), Onnx.load(f).forward(List.of(x)).getFirst().toFloatArray());
    }

    /** ONNX Mod on integers: the divisor's sign (fmod=0, Python's %) or the dividend's (fmod=1, C's %). */
    @Test
    void modTakesTheSignOfTheDivisorOrWithFmodOfTheDividend() throws IOException {
        for (int fmod : new int[] {0, 1}) {
            TensorProto divisor = TensorProto.newBuilder().setName("d").setDataType(TensorProto.DataType.INT64_VALUE).addDims(3)
                    .addAllInt64Data(List.of(3L, -3L, 2L)).build();
            ModelProto m = OnnxErrorsTest.model(13,
                    OnnxErrorsTest.node("toInt", "Cast", new String[] {"x"}, new String[] {"xi"}, intAttr("to", TensorProto.DataType.INT64_VALUE)),
                    OnnxErrorsTest.node("mod", "Mod", new String[] {"xi", "d"}, new String[] {"r"}, intAttr("fmod", fmod)),
                    OnnxErrorsTest.node("toFloat", "Cast", new String[] {"r"}, new String[] {"y"}, intAttr("to", TensorProto.DataType.FLOAT_VALUE)));
            m = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(divisor)).build();
            Path f = dir.resolve("mod" + fmod + ".onnx");
            Files.write(f, m.toByteArray());
            Tensor y = Onnx.load(f).forward(List.of(Tensor.of(-7, 7, -5, 5, -4, 0).reshape(2, 3).to(dev.kiln.DType.FLOAT32))).getFirst();
            assertArrayEquals(fmod == 0 ? new float[] {2, -2, 1, 2, -1, 0} : new float[] {-1, 1, -1, 2, -1, 0}, y.toFloatArray());
        }
    }

    private static onnx.Onnx.AttributeProto intAttr(String name, long v) {
        return onnx.Onnx.AttributeProto.newBuilder().setName(name).setType(onnx.Onnx.AttributeProto.AttributeType.INT).setI(v).build();
    }

    @Test
    void initializersAreNamedAfterTheModuleTree() throws IOException {
        Path f = dir.resolve("mlp.onnx");
        Onnx.export(mlp(), Tensor.randn(4, 6), f);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(f));
        List<String> names = m.getGraph().getInitializerList().stream().map(TensorProto::getName).filter(n -> !n.startsWith("const")).toList();
        assertEquals(List.of("0.bias", "0.weight", "1.bias", "1.weight", "4.bias", "4.weight"), names.stream().sorted().toList());
        assertEquals(List.copyOf(Onnx.load(f).namedParameters().keySet()).stream().sorted().toList(), names.stream().sorted().toList());
    }

    @Test
    void dynamicBatchAxisRunsOtherBatchSizes() {
        Module model = mlp();
        Path f = dir.resolve("mlp.onnx");
        Onnx.export(model, Tensor.randn(4, 6), f, true);
        OnnxModule back = Onnx.load(f);
        Tensor x = Tensor.randn(7, 6);
        try (var s = Kiln.noGrad()) {
            assertSame(model.forward(x), back.forward(x));
        }
        assertTrue(back.summary().contains("float32 [?, 6]"), back.summary());
    }

    @Test
    void exportingAStepWritesItsCapturedTensorsAsInitializers() {
        Tensor w = Tensor.randn(3, 3);
        Path f = dir.resolve("step.onnx");
        Onnx.export(xs -> Functional.softmax(xs[0].matmul(w).add(xs[1]), -1), List.of(Tensor.randn(2, 3), Tensor.randn(2, 3)), f, false);
        Tensor a = Tensor.randn(2, 3);
        Tensor b = Tensor.randn(2, 3);
        assertSame(Functional.softmax(a.matmul(w).add(b), -1), Onnx.load(f).forward(List.of(a, b)).getFirst());
    }

    @Test
    void trainingModeDropoutIsRefused() {
        Module model = mlp().train();
        KilnException e = assertThrows(KilnException.class, () -> Onnx.export(model, Tensor.randn(4, 6), dir.resolve("x.onnx")));
        assertTrue(e.getMessage().contains("model.eval()"), e.getMessage());
    }

    @Test
    void batchDependentGraphIsRefusedForADynamicBatch() {
        // a sum over the batch: the graph's shapes depend on the batch size in a way a 0 in a shape cannot copy
        KilnException e = assertThrows(KilnException.class, () -> Onnx.export(xs -> xs[0].reshape(-1).sum(0).expand(xs[0].size(0)),
                List.of(Tensor.randn(4, 3)), dir.resolve("x.onnx"), true));
        assertTrue(e.getMessage().contains("dynamic batch"), e.getMessage());
    }

    @Test
    void onnxCheckerAcceptsExportedModels() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python) && run(python, "import onnx") == 0,
                "skipped: /usr/bin/python3 with the onnx package (Debian's python3-onnx) is not installed");
        Path cnn = dir.resolve("cnn.onnx");
        Path mlp = dir.resolve("mlp.onnx");
        Onnx.export(cnn(), Tensor.randn(2, 1, 12, 12), cnn);
        Onnx.export(mlp(), Tensor.randn(4, 6), mlp, true);
        for (Path f : List.of(cnn, mlp)) {
            assertEquals(0, run(python, "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); "
                    + "onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)", f.toString()), "onnx.checker on " + f);
        }
    }

    private static int run(Path python, String code, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(python.toString(), "-c", code));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.out.println(out);
        }
        return p.exitValue();
    }
}
