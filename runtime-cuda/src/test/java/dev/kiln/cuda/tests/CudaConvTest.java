package dev.kiln.cuda.tests;


import dev.kiln.DType;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Index;
import dev.kiln.ir.Movement;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import dev.kiln.nn.Functional;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.Props;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A small convolutional network's loss and its gradients with respect to the input and every weight
 * (conv with stride, padding and groups, max pooling in ceil mode, batch and group norm, reflect padding,
 * a transposed conv, average pooling), traced from the composites and emitted as CUDA C: the emulator
 * agrees with the interpreter, and nvcc compiles the kernels where it is installed.
 */
class CudaConvTest {
    private static final List<Shape> SHAPES = List.of(Shape.of(2, 4, 9, 7), Shape.of(6, 2, 3, 3), Shape.of(6), Shape.of(6, 3, 2, 2));

    private static Tensor loss(List<Tensor> in) {
        int[] one = {1};
        Tensor h = Functional.conv2d(in.get(0), in.get(1), in.get(2), new int[] {2, 1}, new int[] {2, 1}, one, 2).relu();
        h = Functional.maxPool2d(h, new int[] {3, 2}, new int[] {2}, one, one, true);
        h = Functional.batchNorm(h, null, null, null, null, true, 0.1, 1e-5);
        h = Functional.pad(h, new int[] {1, 1, 1, 0}, "reflect", 0);
        h = Functional.convTranspose2d(h, in.get(3), null, new int[] {2}, one, one, 2, one);
        h = Functional.groupNorm(Functional.avgPool2d(h, new int[] {2}, one, new int[] {0}, false, true), 3, null, null, 1e-5);
        return h.mul(h).sum();
    }

    /**
     * Values for every input of {@code g}: normal floats for the network's inputs and the captured float
     * constants, alternating booleans for the padding masks, and for the captured window positions integers
     * below the size of the axis each gathers from or scatters to (the same graph runs on both sides); a
     * float constant that becomes an integer (argmax's window positions, float32 where exact) is zeros, a
     * position in every window.
     */
    private static List<TensorData> inputs(Graph g) {
        Map<Node, Integer> limit = new HashMap<>();
        for (Node n : g.nodes()) {
            Node index = null;
            int size = 0;
            if (n.op() instanceof Index.Gather gather) {
                index = n.input(1);
                size = n.input(0).shape().dim(gather.axis());
            } else if (n.op() instanceof Index.ScatterAdd scatter) {
                index = n.input(0);
                size = scatter.size();
            }
            while (index != null && index.op() instanceof Movement) {
                index = index.input(0);
            }
            if (index != null) {
                limit.merge(index, size, Math::min);
            }
        }
        Map<Node, List<Node>> users = new HashMap<>();
        for (Node n : g.nodes()) {
            for (Node in : n.inputs()) {
                users.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        List<TensorData> out = new ArrayList<>();
        for (int i = 0; i < g.inputs().size(); i++) {
            Node in = g.inputs().get(i);
            Shape s = in.shape();
            if (i >= SHAPES.size() && in.dtype().isFloating() && becomesInteger(in, users, 6)) { // a captured constant, not the net's input
                out.add(Tensors.data(Tensor.zeros(s, in.dtype())));
                continue;
            }
            double[] v = new double[s.numel()];
            for (int k = 0; k < v.length; k++) {
                v[k] = in.dtype() == DType.BOOL ? (k + i) % 3 == 0 ? 0 : 1 : (k * 7L + i) % limit.getOrDefault(in, 1);
            }
            out.add(Tensors.data(in.dtype().isFloating() ? Props.normal(s, 41 + i).to(in.dtype()) : Tensor.fromArray(v, s, in.dtype())));
        }
        return out;
    }

    /** Whether {@code n}'s value reaches a cast to an integer type through at most {@code depth} elementwise ops, moves and reductions. */
    private static boolean becomesInteger(Node n, Map<Node, List<Node>> users, int depth) {
        for (Node u : users.getOrDefault(n, List.of())) {
            boolean passes = u.op() instanceof Movement || u.op() instanceof dev.kiln.ir.Where || u.op() instanceof dev.kiln.ir.Reduce
                    || u.op() instanceof dev.kiln.ir.Binary || u.op() instanceof dev.kiln.ir.Unary;
            if (u.op() instanceof dev.kiln.ir.Cast && !u.dtype().isFloating() && u.dtype() != DType.BOOL
                    || passes && depth > 0 && becomesInteger(u, users, depth - 1)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aConvNetsGradientsRunOnTheEmulatorAsInTheInterpreterAndCompileWithNvcc() {
        GradientGraphs.checkOnEmulatorAndNvcc("conv net gradients",
                t -> Tracing.trace(ConvNet -> loss(ConvNet), SHAPES.stream().map(s -> new TensorType(s, t)).toList()),
                SHAPES.size(), CudaConvTest::inputs);
    }
}
