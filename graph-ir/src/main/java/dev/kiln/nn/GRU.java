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
    /**
     * The result of {@link #forward(Tensor, Tensor)}; D is 2 when bidirectional, else 1.
     *
     * @param output the last layer's h at every step, [T, N, D·H] (or [N, T, D·H] batch first, [T, D·H] unbatched)
     * @param h the final hidden state of every layer and direction, [layers·D, N, H] ([layers·D, H] unbatched)
     */
    public record Output(Tensor output, Tensor h) {
    }

    /**
     * A GRU of one layer, with bias, sequence first, no dropout, one direction, the default generator and dtype.
     *
     * @param inputSize the input's features, positive
     * @param hiddenSize the hidden state's features H, positive
     * @throws dev.kiln.KilnException if a size is not positive
     */
    public GRU(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1, true, false, 0, false, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * A GRU with PyTorch's arguments; every weight U(±1/√hiddenSize) from {@code generator}, in registration order.
     *
     * @param inputSize the input's features, positive
     * @param hiddenSize the hidden state's features H, positive
     * @param numLayers the stacked layers, positive (PyTorch's default 1)
     * @param bias whether the layers have bias_ih and bias_hh (PyTorch's default true)
     * @param batchFirst whether input and output are [N, T, features] rather than [T, N, features]; the states are
     *        not affected (PyTorch's default false)
     * @param dropout the probability of dropout on each layer's output but the last, in training, in [0, 1]
     *        (PyTorch's default 0)
     * @param bidirectional whether each layer also runs the sequence backwards (PyTorch's default false)
     * @param generator the random generator that initializes the weights
     * @param dtype the parameters' dtype, a floating one
     * @throws dev.kiln.KilnException if a size is not positive, {@code dropout} is outside [0, 1] or the dtype is not floating
     */
    public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional,
            Generator generator, DType dtype) {
        super("GRU", 3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator, dtype);
    }

    /** The output sequence from a zero initial state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    /**
     * PyTorch's {@code gru(input, h0)}.
     *
     * @param input the sequence, [T, N, inputSize] ([N, T, inputSize] batch first) or unbatched [T, inputSize]
     * @param h0 the initial hidden states, [layers·D, N, H] ([layers·D, H] unbatched) in the input's dtype; null for zeros
     * @return the output sequence and the final hidden states
     * @throws dev.kiln.KilnException if the input is not 2-D or 3-D, its last dimension is not {@code inputSize}, or the
     *         state's shape or dtype does not match
     */
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
