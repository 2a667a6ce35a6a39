package dev.kiln.nn;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
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

    /**
     * Dropout with probability {@code p}.
     *
     * @param p the probability that an element is zeroed, in [0, 1) (PyTorch's default 0.5; p = 1 is refused)
     * @throws KilnException if {@code p} is outside [0, 1)
     */
    public Dropout(double p) {
        this.p = checked(p);
    }

    static double checked(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new KilnException(outOfRange("Dropout", p));
        }
        return p;
    }

    /**
     * Kiln takes p in [0, 1): the kept elements are scaled by 1/(1 − p), which p = 1 leaves undefined
     * (PyTorch 1.13 also accepts 1 and returns zeros; multiply by 0 for that).
     */
    private static String outOfRange(String fn, double p) {
        return fn + ": dropout probability has to be in [0, 1) (at least 0, below 1), but got " + p
                + (p == 1 ? "; p = 1 would drop everything: multiply by 0 instead" : "");
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout(input, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + Repr.pyFloat(p) + ", inplace=False";
    }

    /** x with a fresh mask of {@code maskShape} (broadcast) from the default generator, kept elements scaled by 1/(1 − p). */
    static Tensor dropped(String fn, Tensor input, double p, boolean training, Shape maskShape) {
        if (!(p >= 0 && p < 1)) {
            throw new KilnException(outOfRange(fn, p));
        }
        if (!input.dtype().isFloating()) {
            throw new KilnException(fn + ": needs a floating input, got " + input.dtype());
        }
        if (!training || p == 0 || input.numel() == 0) {
            return input;
        }
        Tensor keep = Tensor.rand(maskShape, input.dtype(), Kiln.defaultGenerator()).lt(1 - p);
        return input.mul(keep.to(input.dtype())).mul(1 / (1 - p));
    }
}
