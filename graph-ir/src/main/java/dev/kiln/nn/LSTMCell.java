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
    /** Null without bias. */
    public final Tensor biasIh;
    /** Null without bias. */
    public final Tensor biasHh;
    private final Cells cells;

    /** The next h and c. */
    public record State(Tensor h, Tensor c) {
    }

    /** With bias, the default generator and dtype. */
    public LSTMCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /** PyTorch's arguments; the weights U(±1/√hiddenSize) from {@code generator}. */
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

    /** The next (h, c) of input [N, in] (or [in]) from h and c [N, H] (or [H]); null for zeros. */
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
