package dev.kiln.cuda.tests;

import dev.kiln.tests.OpConformanceTest;
import dev.kiln.tests.Props;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.codegen.cuda.CudaEmitter;
import dev.kiln.codegen.cuda.CudaPlan;
import dev.kiln.cpu.CompiledPlan;
import dev.kiln.cpu.Interpreter;
import dev.kiln.cuda.emu.Emulator;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import dev.kiln.spi.TensorData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CudaSmokeTest {
    @Test
    void smoke() {
        Map<Class<?>, java.util.function.BiFunction<Ops, Node[], Node>> ex = OpConformanceTest.examples();
        List<Graph> graphs = new ArrayList<>();
        List<CudaPlan> plans = new ArrayList<>();
        ex.forEach((op, build) -> {
            GraphBuilder b = new GraphBuilder();
            Node[] in = {b.input("x", TensorType.of(DType.FLOAT64, 3, 5)), b.input("y", TensorType.of(DType.FLOAT64, 3, 5))};
            Graph g = b.build(build.apply(new Ops(b), in));
            graphs.add(g);
            plans.add(CudaEmitter.emit(new CompiledPlan(g).plan()));
        });
        System.out.println(plans.get(plans.size() - 1).describe());
        long t0 = System.nanoTime();
        try (Emulator emu = Emulator.compile(plans.stream().map(CudaPlan::module).toList())) {
            System.out.println("compile " + emu.compileSeconds);
            TensorData x = Props.normal(Shape.of(3, 5), 1).data();
            TensorData y = Props.normal(Shape.of(3, 5), 2).data();
            for (int i = 0; i < graphs.size(); i++) {
                TensorData e = Interpreter.run(graphs.get(i), Map.of(0, x, 1, y)).getFirst();
                TensorData a = emu.run(plans.get(i), List.of(x, y)).getFirst();
                double md = 0;
                for (int j = 0; j < e.shape().numel(); j++) {
                    md = Math.max(md, Math.abs(e.getDouble(j) - a.getDouble(j)));
                }
                System.out.println(new ArrayList<>(ex.keySet()).get(i).getSimpleName() + " maxdiff " + md);
            }
        }
        System.out.println("total " + (System.nanoTime() - t0) / 1e9);
    }
}
