package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Tensor;

/**
 * {@code torch.nn.LSTM}: gates in PyTorch's order i, f, g, o; state-dict names weight_ih_l0, weight_hh_l0,
 * bias_ih_l0, bias_hh_l0 (and _reverse); dropout between layers in training; bidirectional; initial states.
 * A composite of matmul, sigmoid and tanh, unrolled over the sequence (a compiled step traces every time step).
 */
public final class LSTM extends Recurrent {
    /** The output [T, N, D·H] (or [N, T, D·H] batch first, [T, D·H] unbatched) and the final h and c [layers·D, N, H]. */
    public record Output(Tensor output, Tensor h, Tensor c) {
    }

    /** One layer, bias, sequence first, no dropout, one direction, the default generator and dtype. */
    public LSTM(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1, true, false, 0, false, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /** PyTorch's arguments; every weight U(±1/√hiddenSize) from {@code generator}, in registration order. */
    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional,
            Generator generator, DType dtype) {
        super("LSTM", 4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator, dtype);
    }

    /** The output sequence from zero initial states. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null, null).output();
    }

    /** PyTorch's {@code lstm(input, (h0, c0))}; h0 and c0 null for zeros. */
    public Output forward(Tensor input, Tensor h0, Tensor c0) {
        Tensor[] r = run(input, new Tensor[] {h0, c0});
        return new Output(r[0], r[1], r[2]);
    }

    @Override
    int states() {
        return 2;
    }

    @Override
    Tensor[] step(Tensor xw, Tensor[] state, Tensor whh, Tensor bhh) {
        return lstmStep(xw, state[0], state[1], whh, bhh);
    }
}
