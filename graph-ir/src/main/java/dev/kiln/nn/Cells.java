package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/** The sizes, initialization and input checks LSTMCell and GRUCell share. */
record Cells(String name, int gates, int inputSize, int hiddenSize, boolean bias, DType dtype) {
    Cells {
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new KilnException(name + ": input_size and hidden_size must be positive, got " + inputSize + " and " + hiddenSize);
        }
        if (dtype == null || !dtype.isFloating()) {
            throw new KilnException(name + ": parameters must be floating, got dtype " + dtype);
        }
    }

    /** weight_ih, weight_hh, bias_ih, bias_hh drawn U(±1/√H) in that order (the biases null without bias). */
    Tensor[] weights(Generator generator) {
        double bound = 1 / Math.sqrt(hiddenSize);
        Tensor[] w = new Tensor[4];
        w[0] = Recurrent.uniform(Shape.of(gates * hiddenSize, inputSize), bound, generator, dtype);
        w[1] = Recurrent.uniform(Shape.of(gates * hiddenSize, hiddenSize), bound, generator, dtype);
        if (bias) {
            w[2] = Recurrent.uniform(Shape.of(gates * hiddenSize), bound, generator, dtype);
            w[3] = Recurrent.uniform(Shape.of(gates * hiddenSize), bound, generator, dtype);
        }
        return w;
    }

    /** The input as [N, in], checked as PyTorch does. */
    Tensor input(Module cell, Tensor input) {
        if (input.dim() != 1 && input.dim() != 2) {
            throw new KilnException(cell + ": Expected input to be 1-D or 2-D but received " + input.dim() + "-D tensor of shape "
                    + input.shape());
        }
        if (input.size(-1) != inputSize) {
            throw new KilnException(cell + ": input has inconsistent input_size: got " + input.size(-1) + " expected " + inputSize
                    + " (input shape " + input.shape() + ")");
        }
        return input.dim() == 1 ? input.unsqueeze(0) : input;
    }

    /** A state [N, H] of the input's batch and dtype (zeros when null). */
    Tensor state(Module cell, String what, Tensor state, Tensor input) {
        int n = input.dim() == 1 ? 1 : input.size(0);
        if (state == null) {
            return Tensor.zeros(Shape.of(n, hiddenSize), input.dtype());
        }
        Shape expected = input.dim() == 1 ? Shape.of(hiddenSize) : Shape.of(n, hiddenSize);
        if (!state.shape().equals(expected)) {
            throw new KilnException(cell + ": " + what + " must be of shape " + expected + " for an input of shape " + input.shape()
                    + ", got " + state.shape());
        }
        if (state.dtype() != input.dtype()) {
            throw new KilnException(cell + ": " + what + " is " + state.dtype() + " but the input is " + input.dtype());
        }
        return input.dim() == 1 ? state.unsqueeze(0) : state;
    }

    String repr() {
        return inputSize + ", " + hiddenSize + (bias ? "" : ", bias=False");
    }
}
