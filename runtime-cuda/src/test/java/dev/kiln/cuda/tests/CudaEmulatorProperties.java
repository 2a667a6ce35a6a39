package dev.kiln.cuda.tests;

import dev.kiln.DType;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
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
        List<TensorData> in = e.inputs();
        List<Case> cases = new ArrayList<>();
        for (Graph g : e.forwardAndGradient()) {
            CompiledPlan cpu = new CompiledPlan(Pipeline.standard(true).run(g));
            cases.add(new Case(g, cpu, CudaEmitter.emit(cpu.plan()), in));
        }
        return cases;
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
                    List<TensorData> actual;
                    if (emu.contains(c.cuda().module())) {
                        actual = emu.run(c.cuda(), c.inputs());
                    } else { // a case QuickTheories made while shrinking a failure
                        try (Emulator one = Emulator.compile(List.of(c.cuda().module()))) {
                            actual = one.run(c.cuda(), c.inputs());
                        }
                    }
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
