package dev.kiln.cuda.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.DType;
import dev.kiln.autodiff.Autodiff;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaModule;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.emu.Compare;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.cuda.emu.Nvcc;
import dev.kiln.ir.Graph;
import dev.kiln.spi.TensorData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A model's gradient graph, in float32 and float64, emitted as CUDA C: run on the emulator against the
 * interpreter (where the emulator is available) and compiled with nvcc (where it is installed).
 */
final class GradientGraphs {
    private GradientGraphs() {
    }

    /**
     * {@code forward(dtype)}'s loss differentiated with respect to its first {@code differentiable}
     * inputs; {@code inputs} gives values for every input of a gradient graph.
     */
    static void checkOnEmulatorAndNvcc(String what, Function<DType, Graph> forward, int differentiable,
            Function<Graph, List<TensorData>> inputs) {
        List<CudaModule> modules = new ArrayList<>();
        Map<DType, CudaPlan> plans = new HashMap<>();
        Map<DType, Graph> graphs = new HashMap<>();
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
            Graph f = forward.apply(t);
            Graph g = Autodiff.gradientGraph(f, f.outputs().getFirst(), f.inputs().subList(0, differentiable));
            CudaPlan cuda = CudaEmitter.emit(new CompiledPlan(dev.kiln.pass.Pipeline.standard(true).run(g)).plan());
            graphs.put(t, g);
            plans.put(t, cuda);
            modules.add(cuda.module());
        }
        if (Emulator.available()) {
            try (Emulator emu = Emulator.compile(modules)) {
                for (DType t : plans.keySet()) {
                    List<TensorData> in = inputs.apply(graphs.get(t));
                    Map<Integer, TensorData> bound = new HashMap<>();
                    for (int i = 0; i < in.size(); i++) {
                        bound.put(i, in.get(i));
                    }
                    new Compare().check(Interpreter.run(graphs.get(t), bound), emu.run(plans.get(t), in),
                            t == DType.FLOAT32 ? 2e-5 : 1e-12, what + " " + t);
                }
            }
        }
        if (Nvcc.find().isPresent()) {
            assertTrue(Nvcc.compileAll(modules).size() >= modules.size());
        }
    }
}
