package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.DType;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.codegen.cuda.CudaPrecision;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.emu.Compare;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.cuda.emu.Nvcc;
import dev.kiln.ir.Graph;
import dev.kiln.pass.Pipeline;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.CodegenProperties;
import dev.kiln.tests.CodegenProperties.Example;
import dev.kiln.tests.Props;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The CUDA C of random forward and gradient graphs — the programs the JVM backend is checked with —
 * run on the emulator and agree with the interpreter. The property runs twice with one seed: first to
 * collect every module, compiled into one library (and by nvcc, where it is), then to check.
 */
class CudaEmulatorProperties {
    private static final int EXAMPLES = 100;

    record Case(Graph graph, CompiledPlan cpu, CudaPlan cuda, List<TensorData> inputs) {
    }

    private static Gen<Example> examples() {
        return CodegenProperties.examples();
    }

    private static List<Case> cases(Example e) {
        return cases(e, CudaPrecision.EXACT);
    }

    private static List<Case> cases(Example e, CudaPrecision precision) {
        List<TensorData> in = e.inputs();
        List<Case> cases = new ArrayList<>();
        for (Graph g : e.forwardAndGradient()) {
            CompiledPlan cpu = new CompiledPlan(Pipeline.standard(true).run(g));
            cases.add(new Case(g, cpu, CudaEmitter.emit(cpu.plan(), precision), in));
        }
        return cases;
    }

    private static List<TensorData> emulated(Emulator emu, Case c) {
        if (emu.contains(c.cuda().module())) {
            return emu.run(c.cuda(), c.inputs());
        }
        try (Emulator one = Emulator.compile(List.of(c.cuda().module()))) { // a case QuickTheories made while shrinking a failure
            return one.run(c.cuda(), c.inputs());
        }
    }

    /**
     * FAST: float32 computed in float. The interpreter rounds each op's double result to float32, the
     * same bits for + − × ÷ and sqrt; what differs is pow by squaring, float libm against Java's Math
     * (a few ulp) and the float sums (per-thread and block-tree partials, each addition rounding to
     * float32: error below (k + 8) · 2^-24 · Σ|x_i| for k terms per thread, which cancellation in a
     * gradient's sum can make large against the result). The bound, relative to max(1, |x|), is 2^-14
     * (6.1e-5): about 80 times the largest difference measured (7.8e-7), 512 ulp of float32 at 1.
     */
    static final double FAST_F32 = 0x1.0p-14;
    private static final int FAST_EXAMPLES = 30;

    @Test
    void fastPlansMatchTheInterpreterWithinFloat32Tolerances() {
        Assumptions.assumeTrue(Emulator.available(), "g++ is not on the PATH: the CUDA emulator cannot run");
        List<CudaModule> modules = new ArrayList<>();
        String property = "cuda FAST emulated within float32 tolerances of interpreted";
        Props.check(property, FAST_EXAMPLES, examples(), e -> cases(e, CudaPrecision.FAST).forEach(c -> modules.add(c.cuda().module())));
        Compare stats = new Compare();
        int[] float64 = {0};
        try (Emulator emu = Emulator.compile(modules)) {
            Props.check(property, FAST_EXAMPLES, examples(), e -> {
                for (Case c : cases(e, CudaPrecision.FAST)) {
                    if (c.graph().nodes().stream().noneMatch(n -> n.dtype() == DType.FLOAT32)) {
                        // no float32 value: EXACT's text, checked bit for bit by emittedPlansMatchTheInterpreter
                        assertEquals(CudaEmitter.emit(c.cpu().plan()).describe(), c.cuda().describe());
                        float64[0]++;
                        continue;
                    }
                    List<TensorData> expected = Interpreter.run(c.graph(), Map.of(0, c.inputs().get(0), 1, c.inputs().get(1)));
                    stats.check(expected, emulated(emu, c), FAST_F32, e);
                }
            });
            System.out.println("CUDA FAST emulator vs interpreter: float32 " + stats + "; " + float64[0] + " float64 plan(s) EXACT's text");
        }
        if (Nvcc.find().isPresent()) {
            // the float64 plans' modules are EXACT's (--fmad=false), compiled by emittedPlansMatchTheInterpreter, not in one run with --fmad=true
            List<Nvcc.Usage> usage = Nvcc.compileAllWithoutWarnings(modules.stream().filter(m -> m.options().equals(CudaModule.FAST_OPTIONS))
                    .toList());
            System.out.println("nvcc -cubin -arch=" + Nvcc.ARCH + " -Werror all-warnings compiled " + usage.size() + " FAST kernel(s)");
        }
    }

    @Test
    void emittedPlansMatchTheInterpreter() {
        Assumptions.assumeTrue(Emulator.available(), "g++ is not on the PATH: the CUDA emulator cannot run");
        List<CudaModule> modules = new ArrayList<>();
        Props.check("cuda emulated equals interpreted", EXAMPLES, examples(), e -> cases(e).forEach(c -> modules.add(c.cuda().module())));
        Compare[] stats = {new Compare(), new Compare()};
        Compare[] cpu = {new Compare(), new Compare()}; // the CPU's compiled plans against the same emulated results: bits only
        try (Emulator emu = Emulator.compile(modules)) {
            Props.check("cuda emulated equals interpreted", EXAMPLES, examples(), e -> {
                for (Case c : cases(e)) {
                    List<TensorData> expected = Interpreter.run(c.graph(), Map.of(0, c.inputs().get(0), 1, c.inputs().get(1)));
                    List<TensorData> actual = emulated(emu, c);
                    int k = e.dtype() == DType.FLOAT32 ? 0 : 1;
                    stats[k].check(expected, actual, k == 0 ? 2e-6 : 1e-13, e);
                    cpu[k].measure(c.cpu().run(c.inputs()), actual);
                }
            });
            System.out.println("CUDA emulator vs interpreter, " + modules.size() + " plans (g++ " + String.format("%.1f", emu.compileSeconds)
                    + " s): float32 " + stats[0] + "; float64 " + stats[1] + ". Against the CPU's compiled plans: float32 " + cpu[0]
                    + "; float64 " + cpu[1]);
        }
        if (Nvcc.find().isPresent()) {
            List<Nvcc.Usage> usage = Nvcc.compileAll(modules);
            System.out.println("nvcc -cubin -arch=" + Nvcc.ARCH + " compiled " + usage.size() + " kernel(s) of these plans");
        }
    }
}
