package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Tensor;

/**
 * {@code torch.nn.GRU}: gates in PyTorch's order r, z, n (n = tanh(W_in x + b_in + r·(W_hn h + b_hn))); state-dict
 * names weight_ih_l0 ... as LSTM's; dropout between layers in training; bidirectional; an initial state. A
 * composite unrolled over the sequence.
 */
public final class GRU extends Recurrent {
    /** The output [T, N, D·H] (or [N, T, D·H] batch first, [T, D·H] unbatched) and the final h [layers·D, N, H]. */
    public record Output(Tensor output, Tensor h) {
    }

    /** One layer, bias, sequence first, no dropout, one direction, the default generator and dtype. */
    public GRU(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1, true, false, 0, false, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /** PyTorch's arguments; every weight U(±1/√hiddenSize) from {@code generator}, in registration order. */
    public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional,
            Generator generator, DType dtype) {
        super("GRU", 3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator, dtype);
    }

    /** The output sequence from a zero initial state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    /** PyTorch's {@code gru(input, h0)}; h0 null for zeros. */
    public Output forward(Tensor input, Tensor h0) {
        Tensor[] r = run(input, new Tensor[] {h0});
        return new Output(r[0], r[1]);
    }

    @Override
    int states() {
        return 1;
    }

    @Override
    Tensor[] step(Tensor xw, Tensor[] state, Tensor whh, Tensor bhh) {
        return new Tensor[] {gruStep(xw, state[0], whh, bhh)};
    }
}
