package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.cuda.CudaPrecision;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.emu.Compare;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.cuda.emu.Nvcc;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.Props;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The FAST precision's column of the conformance table: every primitive's example over float32
 * inputs, emitted with float32 computed in float, against the interpreter within float32 tolerances;
 * its modules compile with nvcc without a warning; float64 plans are EXACT's text.
 */
class CudaFastPrecisionTest {
    /**
     * Ops without transcendentals: + − × ÷ and sqrt in float are correctly rounded, so equal to the
     * interpreter's double-then-round; pow by squaring rounds at each of its few products and the
     * float sums of the reductions add at most 5 terms here: 16 ulp of float32 covers both.
     */
    static final double ARITHMETIC = 16 * 0x1.0p-23;
    /** Transcendentals: CUDA documents at most 4 ulp for its float functions (powf, erff), glibc less; 2× that. */
    static final double TRANSCENDENTAL = 8 * 0x1.0p-23;

    private static Map<String, Graph> graphs(DType t) {
        Map<String, Graph> graphs = new LinkedHashMap<>();
        CudaConformanceTest.examples(t).forEach((op, build) -> {
            GraphBuilder b = new GraphBuilder();
            Node[] in = {b.input("x", TensorType.of(t, 3, 5)), b.input("y", TensorType.of(t, 3, 5))};
            graphs.put(op.getSimpleName(), b.build(build.apply(new Ops(b), in)));
        });
        return graphs;
    }

    private static Plan plan(Graph g) {
        return new CompiledPlan(g).plan();
    }

    @Test
    void everyPrimitiveInFloat32RunsInFloatWithinFloat32Tolerances() {
        Map<String, Graph> graphs = graphs(DType.FLOAT32);
        Map<String, CudaPlan> plans = new LinkedHashMap<>();
        graphs.forEach((op, g) -> plans.put(op, CudaEmitter.emit(plan(g), CudaPrecision.FAST)));
        assertTrue(plans.get("Exp").module().source().contains("expf("), plans.get("Exp").describe());
        assertEquals(CudaModule.FAST_OPTIONS, plans.get("Exp").module().options());
        assertTrue(plans.get("Exp").module().source().lines().skip(1).findFirst().orElseThrow().equals("// nvcc options: --fmad=true"));
        Assumptions.assumeTrue(Emulator.available(), "g++ is not on the PATH: the CUDA emulator cannot run");
        TensorData x = Tensors.data(Props.normal(Shape.of(3, 5), 1).to(DType.FLOAT32));
        TensorData y = Tensors.data(Props.normal(Shape.of(3, 5), 2).to(DType.FLOAT32));
        Compare arithmetic = new Compare();
        Compare transcendental = new Compare();
        try (Emulator emu = Emulator.compile(plans.values().stream().map(CudaPlan::module).toList())) {
            graphs.forEach((op, g) -> {
                List<TensorData> expected = Interpreter.run(g, Map.of(0, x, 1, y));
                List<TensorData> actual = emu.run(plans.get(op), List.of(x, y));
                if (CudaConformanceTest.ULPS.contains(op)) {
                    transcendental.check(expected, actual, TRANSCENDENTAL, op);
                } else {
                    arithmetic.check(expected, actual, ARITHMETIC, op);
                }
            });
        }
        System.out.println("CUDA FAST conformance (float32): without transcendentals " + arithmetic + "; transcendentals " + transcendental);
    }

    @Test
    void float64PlansAreTheSameTextInBothPrecisions() {
        int compared = 0;
        for (Map.Entry<String, Graph> e : graphs(DType.FLOAT64).entrySet()) {
            Plan p = plan(e.getValue());
            String fast = CudaEmitter.emit(p, CudaPrecision.FAST).describe();
            // the Cast and Draw examples hold a float32 value (a cast through float32, a uniform float32 draw): FAST computes it in float
            if (e.getValue().nodes().stream().noneMatch(n -> n.dtype() == DType.FLOAT32)) {
                assertEquals(CudaEmitter.emit(p).describe(), fast, e.getKey());
                compared++;
            } else {
                assertTrue(fast.contains("--fmad=true"), fast);
            }
        }
        assertTrue(compared >= graphs(DType.FLOAT64).size() - 2, compared + " plans compared");
    }

    @Test
    void fastModulesCompileWithNvccWithoutWarnings() {
        List<CudaModule> modules = graphs(DType.FLOAT32).values().stream().map(g -> CudaEmitter.emit(plan(g), CudaPrecision.FAST).module())
                .toList();
        assertTrue(Nvcc.compileAllWithoutWarnings(modules).size() >= modules.size());
    }
}
