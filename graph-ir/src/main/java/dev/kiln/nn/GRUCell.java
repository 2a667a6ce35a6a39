package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Tensor;

/** {@code torch.nn.GRUCell}: one GRU step; weight_ih [3H, in], weight_hh [3H, H], bias_ih, bias_hh, all U(±1/√H). */
public final class GRUCell extends Module {
    /** weight_ih [3H, in]. */
    public final Tensor weightIh;
    /** weight_hh [3H, H]. */
    public final Tensor weightHh;
    /** bias_ih [3H]; null without bias. */
    public final Tensor biasIh;
    /** bias_hh [3H]; null without bias. */
    public final Tensor biasHh;
    private final Cells cells;

    /**
     * A cell with bias, the default generator and dtype.
     *
     * @param inputSize the input's features, positive
     * @param hiddenSize the hidden state's features H, positive
     * @throws dev.kiln.KilnException if a size is not positive
     */
    public GRUCell(int inputSize, int hiddenSize) {
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
    public GRUCell(int inputSize, int hiddenSize, boolean bias, Generator generator, DType dtype) {
        this.cells = new Cells("GRUCell", 3, inputSize, hiddenSize, bias, dtype);
        Tensor[] w = cells.weights(generator);
        weightIh = parameter("weight_ih", w[0]);
        weightHh = parameter("weight_hh", w[1]);
        biasIh = bias ? parameter("bias_ih", w[2]) : null;
        biasHh = bias ? parameter("bias_hh", w[3]) : null;
    }

    /** The next h from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * One step, as PyTorch's {@code gru_cell(input, h)}.
     *
     * @param input the input, [N, inputSize] or unbatched [inputSize]
     * @param h the hidden state, [N, H] ([H] unbatched); null for zeros
     * @return the next hidden state, [N, H] ([H] unbatched)
     * @throws dev.kiln.KilnException if the input is not 1-D or 2-D, its last dimension is not {@code inputSize}, or the
     *         state's shape or dtype does not match the input's
     */
    public Tensor forward(Tensor input, Tensor h) {
        Tensor x = cells.input(this, input);
        Tensor h0 = cells.state(this, "hx", h, input);
        Tensor r = Recurrent.gruStep(Recurrent.linear(x, weightIh, biasIh), h0, weightHh, biasHh);
        return input.dim() == 1 ? r.squeeze(0) : r;
    }

    @Override
    protected String extraRepr() {
        return cells.repr();
    }
}
