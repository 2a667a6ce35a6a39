package dev.kiln.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real PyTorch 1.13 {@code state_dict()}s (written by resources/io/make_fixtures.py) load into the
 * matching Kiln models, which then give PyTorch's outputs to 1e-12 in float64; F16 and BF16 entries
 * widen to exactly PyTorch's float32 values; and Kiln writes those very files again byte for byte.
 */
class PytorchInteropTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(PytorchInteropTest.class.getResource("/io/" + name).toURI());
    }

    /** PyTorch's BatchNorm1d in eval mode, by hand (Kiln has no BatchNorm yet): the same state-dict keys. */
    static final class BatchNorm1dEval extends Module {
        final Tensor weight;
        final Tensor bias;
        final Tensor runningMean;
        final Tensor runningVar;

        BatchNorm1dEval(int features) {
            weight = parameter("weight", Tensor.ones(Shape.of(features), DType.FLOAT64));
            bias = parameter("bias", Tensor.zeros(Shape.of(features), DType.FLOAT64));
            runningMean = registerBuffer("running_mean", Tensor.zeros(Shape.of(features), DType.FLOAT64));
            runningVar = registerBuffer("running_var", Tensor.ones(Shape.of(features), DType.FLOAT64));
            registerBuffer("num_batches_tracked", Tensor.scalar(0, DType.INT64));
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.sub(runningMean).div(runningVar.add(1e-5).sqrt()).mul(weight).add(bias);
        }
    }

    @Test
    void aPytorchMlpLoadsAndGivesPytorchsOutputs() throws Exception {
        Sequential mlp = new Sequential(new Linear(3, 8, DType.FLOAT64), new Tanh(), new Linear(8, 2, DType.FLOAT64));
        mlp.load(fixture("torch_mlp.safetensors"));
        Map<String, Tensor> io = Safetensors.load(fixture("torch_io.safetensors"), dev.kiln.Kiln.defaultDevice());
        assertClose(io.get("mlp.y"), mlp.forward(io.get("mlp.x")), 1e-12);
    }

    @Test
    void aPytorchModuleWithBuffersLoadsTheirValues() throws Exception {
        BatchNorm1dEval norm = new BatchNorm1dEval(3);
        Sequential m = new Sequential(new Linear(4, 3, DType.FLOAT64), norm);
        m.load(fixture("torch_bn.safetensors"));
        assertEquals(5L, (long) m.namedBuffers().get("1.num_batches_tracked").item());
        Map<String, Tensor> io = Safetensors.load(fixture("torch_io.safetensors"), dev.kiln.Kiln.defaultDevice());
        assertClose(io.get("bn.y"), m.forward(io.get("bn.x")), 1e-12);
    }

    @Test
    void halfPrecisionEntriesWidenToPytorchsFloat32Values() throws Exception {
        Map<String, Tensor> io = Safetensors.load(fixture("torch_io.safetensors"), dev.kiln.Kiln.defaultDevice());
        for (String k : List.of("half", "bhalf")) {
            assertEquals(DType.FLOAT32, io.get(k).dtype());
            assertArrayEquals(io.get(k + ".as_f32").toFloatArray(), io.get(k).toFloatArray(), k);
        }
    }

    @Test
    void kilnWritesTheReferenceRulesFilesByteForByte() throws Exception {
        for (String name : List.of("torch_mlp.safetensors", "torch_bn.safetensors")) {
            Path f = fixture(name);
            Path again = dir.resolve(name);
            Safetensors.save(again, Safetensors.load(f), Safetensors.metadata(f));
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(again), name);
        }
        // a module's own save of the loaded weights: the same tensors, no metadata
        Sequential mlp = new Sequential(new Linear(3, 8, DType.FLOAT64), new Tanh(), new Linear(8, 2, DType.FLOAT64));
        mlp.load(fixture("torch_mlp.safetensors"));
        Path out = Path.of("target", "interop");
        Files.createDirectories(out);
        mlp.save(out.resolve("kiln_mlp.safetensors")); // make_fixtures.py --check reads it back in PyTorch
        assertEquals(Safetensors.load(fixture("torch_mlp.safetensors")).keySet(),
                Safetensors.load(out.resolve("kiln_mlp.safetensors")).keySet());
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol) {
        assertEquals(expected.shape(), actual.shape());
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), "element " + i);
        }
    }
}
