package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.DType;
import dev.kiln.Device;
import dev.kiln.Shape;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.CudaBackend;
import dev.kiln.cuda.emu.Compare;
import dev.kiln.cuda.mock.MockCuda;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.pass.Pipeline;
import dev.kiln.spi.Executable;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.CodegenProperties;
import dev.kiln.tests.Props;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance column and the random programs again, this time through the CUDA runtime itself
 * on the mock driver: the backend compiles each graph (NVRTC, module load), binds device buffers,
 * launches through {@code cuLaunchKernel} (and replays a CUDA graph on a second run), and copies the
 * results back; in EXACT precision they are the interpreter's values, bit for bit where
 * {@link CudaConformanceTest} says so.
 */
class CudaRuntimeConformanceTest {
    private static final Device CUDA = Device.cuda(0);
    private static final CudaBackend BACKEND = new CudaBackend();
    private static final Set<String> ULPS = Set.of("Tanh", "Erf", "Sin", "Cos", "Exp", "Expm1", "Log", "Log1p", "Pow", "Random", "Draw");

    @BeforeAll
    static void mock() {
        MockCuda.install();
    }

    /** Runs {@code g} on the device twice (launch by launch, then as a replayed graph); both runs' outputs, copied back. */
    static List<List<TensorData>> onDevice(Graph g, List<TensorData> inputs) {
        Executable exe = BACKEND.compile(CUDA, g);
        List<List<TensorData>> runs = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            try (Executable.Run run = exe.open()) {
                for (int i = 0; i < inputs.size(); i++) {
                    run.input(i, BACKEND.fromHost(CUDA, inputs.get(i)));
                }
                run.run();
                List<TensorData> out = new ArrayList<>();
                for (int i = 0; i < exe.outputCount(); i++) {
                    out.add(BACKEND.toHost(run.output(i)));
                }
                runs.add(out);
            }
        }
        return runs;
    }

    @Test
    void everyPrimitiveRunsThroughTheRuntimeAsTheInterpreterComputesIt() {
        TensorData x = Tensors.data(Props.normal(Shape.of(3, 5), 1));
        TensorData y = Tensors.data(Props.normal(Shape.of(3, 5), 2));
        Compare exact = new Compare();
        Compare ulps = new Compare();
        long graphsBefore = MockCuda.stats().graphLaunches();
        CudaConformanceTest.examples(DType.FLOAT64).forEach((op, build) -> {
            GraphBuilder b = new GraphBuilder();
            Node[] in = {b.input("x", TensorType.of(DType.FLOAT64, 3, 5)), b.input("y", TensorType.of(DType.FLOAT64, 3, 5))};
            Graph g = b.build(build.apply(new Ops(b), in));
            List<TensorData> expected = Interpreter.run(g, Map.of(0, x, 1, y));
            for (List<TensorData> actual : onDevice(g, List.of(x, y))) {
                (ULPS.contains(op.getSimpleName()) ? ulps : exact).check(expected, actual, ULPS.contains(op.getSimpleName()) ? 1e-14 : 0,
                        op.getSimpleName());
            }
        });
        assertEquals(exact.elements, exact.identical, "bit-identical where no transcendental is involved");
        assertEquals(CudaConformanceTest.examples(DType.FLOAT64).size(), MockCuda.stats().graphLaunches() - graphsBefore,
                "each plan's second run replays its CUDA graph");
        System.out.println("CUDA runtime conformance (mock driver): exact ops " + exact + "; transcendentals " + ulps);
    }

    @Test
    void randomProgramsRunThroughTheRuntimeAsTheInterpreterComputesThem() {
        Compare[] stats = {new Compare(), new Compare()};
        Props.check("cuda runtime equals interpreted", 8, CodegenProperties.examples(), e -> {
            for (Graph g : e.forwardAndGradient()) {
                List<TensorData> in = e.inputs();
                List<TensorData> expected = Interpreter.run(g, Map.of(0, in.get(0), 1, in.get(1)));
                int k = e.dtype() == DType.FLOAT32 ? 0 : 1;
                for (List<TensorData> actual : onDevice(Pipeline.standard(true).run(g), in)) {
                    stats[k].check(expected, actual, k == 0 ? 2e-6 : 1e-13, e);
                }
            }
        });
        System.out.println("CUDA runtime (mock driver) vs interpreter: float32 " + stats[0] + "; float64 " + stats[1]);
    }
}
