package dev.kiln.nn;

import dev.kiln.Tensor;

/** Applies its modules in order, as {@code torch.nn.Sequential}; they are named "0", "1", .... */
public final class Sequential extends Module {
    private final Module[] layers;

    public Sequential(Module... layers) {
        this.layers = layers.clone();
        for (int i = 0; i < layers.length; i++) {
            module(Integer.toString(i), layers[i]);
        }
    }

    /** The {@code i}-th module ({@code model[0]} in Python), typed as the caller expects. */
    @SuppressWarnings("unchecked")
    public <M extends Module> M get(int i) {
        return (M) layers[i];
    }

    public int size() {
        return layers.length;
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (int i = 0; i < layers.length; i++) {
            x = dev.kiln.internal.ModuleCalls.layer(this, i, layers[i], x);
        }
        return x;
    }
}
