package dev.kiln.ir;

import java.util.Arrays;

/** A list of axes (reduction axes, or a permutation); a value type. */
public final class Axes {
    private final int[] axes;

    private Axes(int[] axes) {
        this.axes = axes;
    }

    public static Axes of(int... axes) {
        return new Axes(axes.clone());
    }

    /** All axes {@code 0..rank-1}. */
    public static Axes all(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) {
            a[i] = i;
        }
        return new Axes(a);
    }

    public int size() {
        return axes.length;
    }

    public int get(int i) {
        return axes[i];
    }

    public boolean contains(int axis) {
        for (int a : axes) {
            if (a == axis) {
                return true;
            }
        }
        return false;
    }

    public int[] toArray() {
        return axes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Axes a && Arrays.equals(a.axes, axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String toString() {
        return Arrays.toString(axes);
    }
}
