package com.example.quickstart;

import dev.kiln.Tensor;
import dev.kiln.model.Child;
import dev.kiln.model.Dims;
import dev.kiln.model.Forward;
import dev.kiln.model.Model;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;

/**
 * A small MLP, 1 -> 32 -> 1 with tanh, declared with annotations: Kiln's processor checks it when
 * it compiles and generates {@code SineNetModel}, which registers the layers and checks that the
 * input is {@code [N, 1]} on every call.
 */
@Model
public abstract class SineNet extends Module {
    @Child
    Linear hidden = new Linear(1, 32);
    @Child
    Linear output = new Linear(32, 1);

    @Forward
    @Override
    public Tensor forward(@Dims("N 1") Tensor x) {
        return output.forward(hidden.forward(x).tanh());
    }
}
