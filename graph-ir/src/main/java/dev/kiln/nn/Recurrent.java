package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * What LSTM and GRU share, as PyTorch's RNNBase: per layer and direction weight_ih_l{k}[_reverse] [G·H, in],
 * weight_hh [G·H, H], bias_ih and bias_hh [G·H] (G gates), all U(±1/√H) in registration order; the input
 * projection of a whole sequence in one matmul, then one cell step per time step (unrolled: a compiled step
 * traces every time step).
 */
abstract class Recurrent extends Module {
    final String name;
    final int inputSize;
    final int hiddenSize;
    final int numLayers;
    final boolean bias;
    final boolean batchFirst;
    final double dropout;
    final boolean bidirectional;
    /** Per layer and direction: weight_ih, weight_hh, bias_ih, bias_hh (biases null without bias). */
    final List<Tensor[]> weights = new ArrayList<>();

    Recurrent(String name, int gates, int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
            boolean bidirectional, Generator generator, DType dtype) {
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0) {
            throw new KilnException(name + ": input_size, hidden_size and num_layers must be positive, got input_size=" + inputSize
                    + ", hidden_size=" + hiddenSize + ", num_layers=" + numLayers);
        }
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new KilnException(name + ": dropout should be a number in range [0, 1] representing the probability of an element"
                    + " being zeroed, got " + dropout);
        }
        if (dtype == null || !dtype.isFloating()) {
            throw new KilnException(name + ": parameters must be floating, got dtype " + dtype);
        }
        this.name = name;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        double bound = 1 / Math.sqrt(hiddenSize);
        for (int layer = 0; layer < numLayers; layer++) {
            for (int dir = 0; dir < directions(); dir++) {
                String sfx = "_l" + layer + (dir == 1 ? "_reverse" : "");
                int in = layer == 0 ? inputSize : hiddenSize * directions();
                Tensor[] w = new Tensor[4];
                w[0] = parameter("weight_ih" + sfx, uniform(Shape.of(gates * hiddenSize, in), bound, generator, dtype));
                w[1] = parameter("weight_hh" + sfx, uniform(Shape.of(gates * hiddenSize, hiddenSize), bound, generator, dtype));
                if (bias) {
                    w[2] = parameter("bias_ih" + sfx, uniform(Shape.of(gates * hiddenSize), bound, generator, dtype));
                    w[3] = parameter("bias_hh" + sfx, uniform(Shape.of(gates * hiddenSize), bound, generator, dtype));
                }
                weights.add(w);
            }
        }
    }

    static Tensor uniform(Shape shape, double bound, Generator generator, DType dtype) {
        return Init.uniform_(Tensor.zeros(shape, dtype), -bound, bound, generator);
    }

    final int directions() {
        return bidirectional ? 2 : 1;
    }

    /** The number of state tensors a cell carries (h; or h and c). */
    abstract int states();

    /** One time step: x's input projection {@code xw} [N, G·H] (bias_ih included), the states, weight_hh and bias_hh. */
    abstract Tensor[] step(Tensor xw, Tensor[] state, Tensor whh, Tensor bhh);

    /**
     * The whole network over {@code input} from the initial states {@code h0} (each [layers·dirs, N, H] or null for
     * zeros): the output [T, N, dirs·H] (or batch first) and each final state [layers·dirs, N, H].
     */
    final Tensor[] run(Tensor input, Tensor[] h0) {
        if (input.dim() != 2 && input.dim() != 3) {
            throw new KilnException(this + ": expected input to be 2-D or 3-D but received " + input.dim() + "-D tensor of shape "
                    + input.shape());
        }
        if (input.size(-1) != inputSize) {
            throw new KilnException(this + ": input.size(-1) must be equal to input_size. Expected " + inputSize + ", got "
                    + input.size(-1) + " (input shape " + input.shape() + (batchFirst ? ", read as [N, T, features]" : ", read as [T, N, features]")
                    + ")");
        }
        boolean batched = input.dim() == 3;
        Tensor x = !batched ? input.unsqueeze(1) : batchFirst ? input.transpose(0, 1) : input;
        int n = x.size(1);
        int t = x.size(0);
        Shape stateShape = Shape.of(numLayers * directions(), n, hiddenSize);
        Tensor[][] init = new Tensor[states()][];
        for (int s = 0; s < states(); s++) {
            Tensor given = h0 == null ? null : h0[s];
            if (given != null) {
                checkState(s, given, batched, stateShape, input);
                given = batched ? given : given.unsqueeze(1);
            }
            init[s] = new Tensor[numLayers * directions()];
            for (int i = 0; i < init[s].length; i++) {
                init[s][i] = given == null ? Tensor.zeros(Shape.of(n, hiddenSize), input.dtype()) : given.select(0, i);
            }
        }
        Tensor[][] last = new Tensor[states()][numLayers * directions()];
        for (int layer = 0; layer < numLayers; layer++) {
            List<Tensor> outs = new ArrayList<>();
            for (int dir = 0; dir < directions(); dir++) {
                int idx = layer * directions() + dir;
                Tensor[] w = weights.get(idx);
                Tensor xw = x.matmul(w[0].t());
                if (w[2] != null) {
                    xw = xw.add(w[2]);
                }
                Tensor[] state = new Tensor[states()];
                for (int s = 0; s < states(); s++) {
                    state[s] = init[s][idx];
                }
                List<Tensor> steps = unbind(xw, 0, t);
                Tensor[] hs = new Tensor[t];
                for (int i = 0; i < t; i++) {
                    int step = dir == 0 ? i : t - 1 - i;
                    state = step(steps.get(step), state, w[1], w[3]);
                    hs[step] = state[0];
                }
                for (int s = 0; s < states(); s++) {
                    last[s][idx] = state[s];
                }
                outs.add(stack(List.of(hs), 0, t));
            }
            x = outs.size() == 1 ? outs.get(0) : Tensor.cat(outs, 2);
            if (dropout > 0 && isTraining() && layer < numLayers - 1) {
                x = Functional.dropout(x, dropout, true);
            }
        }
        Tensor[] result = new Tensor[1 + states()];
        result[0] = !batched ? x.squeeze(1) : batchFirst ? x.transpose(0, 1) : x;
        for (int s = 0; s < states(); s++) {
            Tensor st = Tensor.stack(List.of(last[s]), 0);
            result[1 + s] = batched ? st : st.squeeze(1);
        }
        return result;
    }

    private void checkState(int s, Tensor given, boolean batched, Shape stateShape, Tensor input) {
        Shape expected = batched ? stateShape : Shape.of(stateShape.toArray()[0], hiddenSize);
        if (!given.shape().equals(expected)) {
            String which = states() == 1 ? "hidden" : "hidden[" + s + "]";
            throw new KilnException(this + ": Expected " + which + " size " + expected + ", got " + given.shape() + " (input shape "
                    + input.shape() + (batched ? batchFirst ? " read as [N, T, features] (batch_first=True)" : " read as [T, N, features] (batch_first=False)" : "")
                    + "; the states are [num_layers·num_directions, N, hidden_size] either way)");
        }
        if (given.dtype() != input.dtype()) {
            throw new KilnException(this + ": the initial state is " + given.dtype() + " but the input is " + input.dtype());
        }
    }

    /**
     * x's slices along dimension 0 from {@code from} to {@code to}, cut in halves recursively: the gradient of a
     * slice is the slice placed in zeros of its source's size, so T single-step slices of one tensor would cost
     * O(T²) in the backward pass; halves cost O(T log T).
     */
    static List<Tensor> unbind(Tensor x, int from, int to) {
        if (to - from == 1) {
            return List.of(x.select(0, 0));
        }
        int mid = (from + to) / 2;
        List<Tensor> out = new ArrayList<>(unbind(x.slice(0, 0, mid - from, 1), from, mid));
        out.addAll(unbind(x.slice(0, mid - from, to - from, 1), mid, to));
        return out;
    }

    /** The steps from {@code from} to {@code to} stacked along a new dimension 0, pairwise (cat of n pieces costs O(n²)). */
    static Tensor stack(List<Tensor> steps, int from, int to) {
        if (to - from == 1) {
            return steps.get(from).unsqueeze(0);
        }
        int mid = (from + to) / 2;
        return Tensor.cat(List.of(stack(steps, from, mid), stack(steps, mid, to)), 0);
    }

    static Tensor linear(Tensor x, Tensor w, Tensor b) {
        Tensor y = x.matmul(w.t());
        return b == null ? y : y.add(b);
    }

    /** LSTM's cell: gates i, f, g, o; c' = f·c + i·g, h' = o·tanh(c'). */
    static Tensor[] lstmStep(Tensor xw, Tensor h, Tensor c, Tensor whh, Tensor bhh) {
        List<Tensor> g = xw.add(linear(h, whh, bhh)).chunk(4, -1);
        Tensor cNext = g.get(1).sigmoid().mul(c).add(g.get(0).sigmoid().mul(g.get(2).tanh()));
        return new Tensor[] {g.get(3).sigmoid().mul(cNext.tanh()), cNext};
    }

    /** GRU's cell: gates r, z, n; n = tanh(x_n + r·(W_hn h + b_hn)), h' = (1 − z)·n + z·h. */
    static Tensor gruStep(Tensor xw, Tensor h, Tensor whh, Tensor bhh) {
        List<Tensor> gi = xw.chunk(3, -1);
        List<Tensor> gh = linear(h, whh, bhh).chunk(3, -1);
        Tensor r = gi.get(0).add(gh.get(0)).sigmoid();
        Tensor z = gi.get(1).add(gh.get(1)).sigmoid();
        Tensor nn = gi.get(2).add(r.mul(gh.get(2))).tanh();
        return nn.add(z.mul(h.sub(nn)));
    }

    @Override
    protected String extraRepr() {
        return inputSize + ", " + hiddenSize + (numLayers != 1 ? ", num_layers=" + numLayers : "") + (bias ? "" : ", bias=False")
                + (batchFirst ? ", batch_first=True" : "") + (dropout != 0 ? ", dropout=" + Repr.pyFloat(dropout) : "")
                + (bidirectional ? ", bidirectional=True" : "");
    }
}
