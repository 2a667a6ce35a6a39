package dev.kiln.nn;

import dev.kiln.DType;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.internal.Tracing;
import dev.kiln.ir.Movement;
import java.util.Arrays;

/**
 * {@code F.pad} as composites: constant padding places the input in zeros ({@code Unslice}, the gradient
 * of a slice) and fills the border; reflect, replicate and circular padding select along each padded
 * dimension at positions computed once ({@code indexSelect}, whose gradient is a scatter-add).
 */
final class Padding {
    private Padding() {
    }

    /** {@code pad} lists (before, after) pairs from the last dimension backwards, as PyTorch's. */
    static Tensor pad(Tensor x, int[] pad, String mode, double value) {
        if (pad.length % 2 != 0 || pad.length / 2 > x.dim()) {
            throw new KilnException("pad: the padding must be (before, after) pairs for at most " + x.dim() + " dimensions, got "
                    + Arrays.toString(pad) + " for shape " + x.shape());
        }
        Tensor y = x;
        int[] maskShape = new int[x.dim()];
        Arrays.fill(maskShape, 1);
        for (int i = 0; i < pad.length / 2; i++) {
            int axis = x.dim() - 1 - i;
            int before = pad[2 * i];
            int after = pad[2 * i + 1];
            int size = x.size(axis);
            switch (mode) {
                case "constant" -> {
                    y = y.slice(axis, Math.max(0, -before), size - Math.max(0, -after), 1);
                    maskShape[axis] = y.size(axis);
                    y = placed(y, axis, Math.max(0, before), Math.max(0, after));
                }
                case "reflect", "replicate", "circular" -> y = y.indexSelect(axis, sources(mode, size, before, after, axis, x));
                default -> throw new KilnException("pad: mode must be \"constant\", \"reflect\", \"replicate\" or \"circular\", got \""
                        + mode + "\"");
            }
        }
        if (!mode.equals("constant") || value == 0) {
            return y;
        }
        Tensor inside = Tensor.ones(Shape.of(maskShape), x.dtype());
        for (int i = 0; i < pad.length / 2; i++) {
            int axis = x.dim() - 1 - i;
            inside = placed(inside, axis, Math.max(0, pad[2 * i]), Math.max(0, pad[2 * i + 1]));
        }
        return Tensor.where(inside.gt(0.5), y, Tensor.scalar(value, x.dtype()));
    }

    /** t with {@code before} zeros ahead of it and {@code after} behind it along {@code axis}. */
    private static Tensor placed(Tensor t, int axis, int before, int after) {
        if (before == 0 && after == 0) {
            return t;
        }
        return Tracing.compute(new Movement.Unslice(axis, before, 1, t.size(axis) + before + after), t);
    }

    /** The source position of every output position along one axis, as an int64 index. */
    private static Tensor sources(String mode, int size, int before, int after, int axis, Tensor x) {
        if (before < 0 || after < 0) {
            throw new KilnException("pad: " + mode + " padding must be non-negative, got (" + before + ", " + after + ") for dimension " + axis);
        }
        if (mode.equals("reflect") && (before >= size || after >= size)) {
            throw new KilnException("pad: Padding size should be less than the corresponding input dimension, but got: padding ("
                    + before + ", " + after + ") at dimension " + axis + " of input " + x.shape());
        }
        if (size == 0 || (mode.equals("circular") && (before > size || after > size))) {
            throw new KilnException("pad: " + mode + " padding of (" + before + ", " + after + ") does not fit dimension " + axis
                    + " of input " + x.shape());
        }
        double[] src = new double[size + before + after];
        for (int j = 0; j < src.length; j++) {
            int s = j - before;
            src[j] = switch (mode) {
                case "reflect" -> s < 0 ? -s : s >= size ? 2 * (size - 1) - s : s;
                case "replicate" -> Math.min(Math.max(s, 0), size - 1);
                default -> Math.floorMod(s, size);
            };
        }
        return Tensor.fromArray(src, Shape.of(src.length), DType.INT64);
    }
}
