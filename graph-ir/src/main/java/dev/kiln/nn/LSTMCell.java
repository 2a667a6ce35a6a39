package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Tensor;

/** {@code torch.nn.LSTMCell}: one LSTM step; weight_ih [4H, in], weight_hh [4H, H], bias_ih, bias_hh, all U(±1/√H). */
public final class LSTMCell extends Module {
    /** weight_ih [4H, in]. */
    public final Tensor weightIh;
    /** weight_hh [4H, H]. */
    public final Tensor weightHh;
    /** bias_ih [4H]; null without bias. */
    public final Tensor biasIh;
    /** bias_hh [4H]; null without bias. */
    public final Tensor biasHh;
    private final Cells cells;

    /**
     * The result of {@link #forward(Tensor, Tensor, Tensor)}.
     *
     * @param h the next hidden state, [N, H] ([H] for an unbatched input)
     * @param c the next cell state, [N, H] ([H] for an unbatched input)
     */
    public record State(Tensor h, Tensor c) {
    }

    /**
     * A cell with bias, the default generator and dtype.
     *
     * @param inputSize the input's features, positive
     * @param hiddenSize the hidden state's features H, positive
     * @throws dev.kiln.KilnException if a size is not positive
     */
    public LSTMCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /**
     * A cell with PyTorch's arguments; the weights U(±1/√hiddenSize) from {@code generator}, in registration order.
     *
     * @param inputSize the input's features, positive
     * @param hiddenSize the hidden state's features H, positive
     * @param bias whether the cell has bias_ih and bias_hh (PyTorch's default true)
     * @param generator the random generator that initializes the weights
     * @param dtype the parameters' dtype, a floating one
     * @throws dev.kiln.KilnException if a size is not positive or the dtype is not floating
     */
    public LSTMCell(int inputSize, int hiddenSize, boolean bias, Generator generator, DType dtype) {
        this.cells = new Cells("LSTMCell", 4, inputSize, hiddenSize, bias, dtype);
        Tensor[] w = cells.weights(generator);
        weightIh = parameter("weight_ih", w[0]);
        weightHh = parameter("weight_hh", w[1]);
        biasIh = bias ? parameter("bias_ih", w[2]) : null;
        biasHh = bias ? parameter("bias_hh", w[3]) : null;
    }

    /** The next h from zero states. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null, null).h();
    }

    /**
     * One step, as PyTorch's {@code lstm_cell(input, (h, c))}.
     *
     * @param input the input, [N, inputSize] or unbatched [inputSize]
     * @param h the hidden state, [N, H] ([H] unbatched); null for zeros
     * @param c the cell state, [N, H] ([H] unbatched); null for zeros
     * @return the next h and c
     * @throws dev.kiln.KilnException if the input is not 1-D or 2-D, its last dimension is not {@code inputSize}, or a state's
     *         shape or dtype does not match the input's
     */
    public State forward(Tensor input, Tensor h, Tensor c) {
        Tensor x = cells.input(this, input);
        Tensor h0 = cells.state(this, "hx", h, input);
        Tensor c0 = cells.state(this, "cx", c, input);
        Tensor[] r = Recurrent.lstmStep(Recurrent.linear(x, weightIh, biasIh), h0, c0, weightHh, biasHh);
        return input.dim() == 1 ? new State(r[0].squeeze(0), r[1].squeeze(0)) : new State(r[0], r[1]);
    }

    @Override
    protected String extraRepr() {
        return cells.repr();
    }
}
