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
    /**
     * The result of {@link #forward(Tensor, Tensor, Tensor)}; D is 2 when bidirectional, else 1.
     *
     * @param output the last layer's h at every step, [T, N, D·H] (or [N, T, D·H] batch first, [T, D·H] unbatched)
     * @param h the final hidden state of every layer and direction, [layers·D, N, H] ([layers·D, H] unbatched)
     * @param c the final cell state of every layer and direction, [layers·D, N, H] ([layers·D, H] unbatched)
     */
    public record Output(Tensor output, Tensor h, Tensor c) {
    }

    /**
     * An LSTM of one layer, with bias, sequence first, no dropout, one direction, the default generator and dtype.
     *
     * @param inputSize the input's features, positive
     * @param hiddenSize the hidden state's features H, positive
     * @throws dev.kiln.KilnException if a size is not positive
     */
    public LSTM(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1, true, false, 0, false, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * An LSTM with PyTorch's arguments (but {@code proj_size}); every weight U(±1/√hiddenSize) from {@code generator},
     * in registration order.
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
    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional,
            Generator generator, DType dtype) {
        super("LSTM", 4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator, dtype);
    }

    /** The output sequence from zero initial states. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null, null).output();
    }

    /**
     * PyTorch's {@code lstm(input, (h0, c0))}.
     *
     * @param input the sequence, [T, N, inputSize] ([N, T, inputSize] batch first) or unbatched [T, inputSize]
     * @param h0 the initial hidden states, [layers·D, N, H] ([layers·D, H] unbatched) in the input's dtype; null for zeros
     * @param c0 the initial cell states, shaped as {@code h0}; null for zeros
     * @return the output sequence and the final states
     * @throws dev.kiln.KilnException if the input is not 2-D or 3-D, its last dimension is not {@code inputSize}, or a
     *         state's shape or dtype does not match
     */
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
