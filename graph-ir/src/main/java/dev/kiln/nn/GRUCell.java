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
    /** Null without bias. */
    public final Tensor biasIh;
    /** Null without bias. */
    public final Tensor biasHh;
    private final Cells cells;

    /** With bias, the default generator and dtype. */
    public GRUCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, Kiln.defaultGenerator(), Kiln.defaultDtype());
    }

    /** PyTorch's arguments; the weights U(±1/√hiddenSize) from {@code generator}. */
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

    /** The next h of input [N, in] (or [in]) from h [N, H] (or [H]); null for zeros. */
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
