package dev.kiln.nn;

import dev.kiln.Tensor;

/** Applies its modules in order, as {@code torch.nn.Sequential}; they are named "0", "1", .... */
public final class Sequential extends Module {
    private final Module[] layers;

    /**
     * A sequence of {@code layers}, registered as sub-modules named by their positions.
     *
     * @param layers the modules, applied first to last; each module's {@code forward} takes the previous one's output
     */
    public Sequential(Module... layers) {
        this.layers = layers.clone();
        for (int i = 0; i < layers.length; i++) {
            module(Integer.toString(i), layers[i]);
        }
    }

    /**
     * The {@code i}-th module ({@code model[0]} in Python), typed as the caller expects.
     *
     * @param <M> the type the caller expects; a wrong one fails with a {@link ClassCastException} where it is used
     * @param i the module's position, from 0
     * @return the module at {@code i}
     * @throws ArrayIndexOutOfBoundsException if {@code i} is not in [0, size())
     */
    @SuppressWarnings("unchecked")
    public <M extends Module> M get(int i) {
        return (M) layers[i];
    }

    /**
     * The number of modules, as {@code len(model)}.
     *
     * @return the number of modules given
     */
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
