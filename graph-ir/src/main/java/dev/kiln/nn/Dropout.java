package dev.kiln.nn;

import dev.kiln.KilnException;
import dev.kiln.Tensor;

/**
 * Zeroes each element with probability p in training mode and scales the rest by 1/(1 − p); the identity
 * in eval mode, as {@code torch.nn.Dropout}. The mask is drawn from the thread's default generator.
 */
public final class Dropout extends Module {
    private final double p;

    /** p = 0.5. */
    public Dropout() {
        this(0.5);
    }

    public Dropout(double p) {
        this.p = checked(p);
    }

    static double checked(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new KilnException("dropout probability has to be between 0 and 1, but got " + p);
        }
        return p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout(input, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + p + ", inplace=False";
    }
}
