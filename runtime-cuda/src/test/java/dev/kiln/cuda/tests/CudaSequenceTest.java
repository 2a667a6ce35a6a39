package dev.kiln.cuda.tests;


import dev.kiln.Generator;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tensors;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Graph;
import dev.kiln.ir.Node;
import dev.kiln.ir.TensorType;
import dev.kiln.nn.Attention;
import dev.kiln.nn.GRU;
import dev.kiln.nn.LSTM;
import dev.kiln.nn.TensorOps;
import dev.kiln.spi.TensorData;
import dev.kiln.tests.Props;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An attention block's and a recurrent network's loss and gradients (causal and masked scaled dot-product
 * attention, a bidirectional LSTM, a GRU over three steps, topk over the result), traced from the composites and
 * emitted as CUDA C: the emulator agrees with the interpreter, and nvcc compiles the kernels where it is installed.
 */
class CudaSequenceTest {
    private static final List<Shape> SHAPES = List.of(Shape.of(2, 5, 4), Shape.of(2, 6, 4), Shape.of(2, 6, 3), Shape.of(3, 2, 3));

    private static Tensor loss(List<Tensor> in, LSTM lstm, GRU gru) {
        // causal twice: fused (the Attend primitive's kernels) and as an explicit bool mask (the masked-softmax composite)
        Tensor fused = Attention.scaledDotProductAttention(in.get(0), in.get(1).slice(1, 0, 5, 1), in.get(2).slice(1, 0, 5, 1), null, 0,
                true, null);
        Tensor lower = TensorOps.tril(Tensor.ones(Shape.of(5, 5), in.get(0).dtype()), 0).ne(0);
        Tensor causal = Attention.scaledDotProductAttention(in.get(0), in.get(1).slice(1, 0, 5, 1), in.get(2).slice(1, 0, 5, 1), lower, 0,
                false, null).add(fused.mul(fused));
        Tensor keep = TensorOps.triu(Tensor.ones(Shape.of(5, 6), in.get(0).dtype()), -1).ne(0);
        Tensor masked = Attention.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), keep, 0, false, 0.4);
        Tensor rnn = lstm.forward(in.get(3));
        Tensor h = gru.forward(rnn, null).h();
        Tensor top = TensorOps.topk(masked.add(causal).reshape(2, 15), 4, 1, true).values();
        return top.sum().add(h.mul(h).sum()).add(rnn.tanh().sum());
    }

    /** Normal floats for the inputs and captured float constants, alternating booleans for captured masks. */
    private static List<TensorData> inputs(Graph g) {
        List<TensorData> out = new ArrayList<>();
        for (int i = 0; i < g.inputs().size(); i++) {
            Node in = g.inputs().get(i);
            Shape s = in.shape();
            double[] v = new double[s.numel()];
            for (int k = 0; k < v.length; k++) {
                v[k] = (k + i) % 3 == 0 ? 0 : 1;
            }
            out.add(Tensors.data(in.dtype().isFloating() ? Props.normal(s, 43 + i).to(in.dtype()) : Tensor.fromArray(v, s, in.dtype())));
        }
        return out;
    }

    @Test
    void attentionAndRecurrentGradientsRunOnTheEmulatorAsInTheInterpreterAndCompileWithNvcc() {
        System.setProperty("kiln.attention.fusedMinScores", "0"); // the fused primitive at these short sequences too
        try {
            GradientGraphs.checkOnEmulatorAndNvcc("attention and recurrent gradients", t -> {
                LSTM lstm = new LSTM(3, 4, 1, true, false, 0, true, new Generator(1), t);
                GRU gru = new GRU(8, 3, 1, true, false, 0, false, new Generator(2), t);
                return Tracing.trace(in -> loss(in, lstm, gru), SHAPES.stream().map(s -> new TensorType(s, t)).toList());
            }, SHAPES.size(), CudaSequenceTest::inputs);
        } finally {
            System.clearProperty("kiln.attention.fusedMinScores");
        }
    }
}
