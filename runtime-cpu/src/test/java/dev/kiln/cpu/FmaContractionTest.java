package dev.kiln.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.spi.TensorData;
import dev.kiln.codegen.jvm.JvmEmitter;
import dev.kiln.codegen.kernel.FusionPlanner;
import dev.kiln.codegen.kernel.Kernel;
import dev.kiln.codegen.kernel.Plan;
import dev.kiln.internal.Tensors;
import dev.kiln.ir.Graph;
import dev.kiln.ir.GraphBuilder;
import dev.kiln.ir.Node;
import dev.kiln.ir.Ops;
import dev.kiln.ir.TensorType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** Vector loops contract a product into the addition or sum that is its only use; shared products stay products. */
class FmaContractionTest {

    /** {@code r = 3x + x²·0.5 − y}; sums of {@code r²}, {@code r·x} and {@code 2r}, and {@code 2r} stored too. */
    private static Graph graph(int n) {
        GraphBuilder b = new GraphBuilder();
        Ops o = new Ops(b);
        Node x = b.input("x", new TensorType(Shape.of(n), DType.FLOAT32));
        Node y = b.input("y", new TensorType(Shape.of(n), DType.FLOAT32));
        Node r = o.sub(o.add(o.mul(x, 3.0), o.mul(o.mul(x, x), 0.5)), y);
        Node twice = o.mul(r, 2.0);
        return b.build(o.sumAll(o.mul(r, r)), o.sumAll(o.mul(r, x)), o.sumAll(twice), twice);
    }

    private static int fmaCalls(byte[] bytes) {
        return fmaCalls(bytes, "jdk/incubator/vector/FloatVector");
    }

    /** Calls of {@code fma} on {@code owner} in the class. */
    private static int fmaCalls(byte[] bytes, String owner) {
        int[] count = new int[1];
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String o, String method, String desc, boolean itf) {
                        count[0] += method.equals("fma") && owner.equals(o) ? 1 : 0;
                    }
                };
            }
        }, 0);
        return count[0];
    }

    @Test
    void productsWithOneAdditiveUseBecomeFusedMultiplyAdds() {
        Plan plan = FusionPlanner.plan(graph(1000));
        Kernel k = plan.kernels().getFirst();
        // 3x + (x²·0.5): one of the two products is absorbed by the addition; r·r and r·x by their sums;
        // 2r is stored and summed, so it stays a product, and its sum a plain addition
        // (the vector body appears five times: a short loop with sums runs four vectors per pass, then one at a time)
        assertEquals(3 * 5, fmaCalls(JvmEmitter.emit(k, "K", plan.buffers().size(), JvmEmitter.Options.vectors(true, 256))), k.describe());
        assertEquals(0, fmaCalls(JvmEmitter.emit(k, "K", plan.buffers().size(), JvmEmitter.Options.vectors(false, 256))));
        assertEquals(0, fmaCalls(JvmEmitter.emit(k, "K", plan.buffers().size(), JvmEmitter.Options.SCALAR), "java/lang/Math"),
                "plain scalar loops never contract");
        // the scalar form that gives the vector form's bits contracts the same three: the addition, and both sums
        assertEquals(3, fmaCalls(JvmEmitter.emit(k, "K", plan.buffers().size(), JvmEmitter.Options.lanes(true, 256)), "java/lang/Math"));
        assertEquals(0, fmaCalls(JvmEmitter.emit(k, "K", plan.buffers().size(), JvmEmitter.Options.lanes(false, 256)), "java/lang/Math"));
    }

    @Test
    void contractedLoopsAgreeWithTheInterpreter() { // (separate multiply and add where the CPU lacks FMA)
        int n = 40_000; // large enough that the loop starts in its vector form
        Graph g = graph(n);
        TensorData x = Tensors.data(Tensor.linspace(-3, 3, n));
        TensorData y = Tensors.data(Tensor.linspace(-3, 3, n).sin());
        List<TensorData> exact = Interpreter.run(g, Map.of(0, x, 1, y));
        List<TensorData> got = new CompiledPlan(g).run(List.of(x, y));
        for (int i = 0; i < 3; i++) {
            double e = exact.get(i).getDouble(0);
            assertEquals(e, got.get(i).getDouble(0), 1e-6 * Math.abs(e), "sum " + i);
        }
        for (int p = 0; p < n; p += 7) {
            assertEquals(exact.get(3).getDouble(p), got.get(3).getDouble(p), 1e-5, "2r at " + p);
        }
    }
}
