package dev.kiln.onnx;

import dev.kiln.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** ONNX's shape rules for the movement operators, shared by the folded and the live paths. */
final class Shapes {
    private Shapes() {}

    /** One axis of a Slice, bounds clamped as ONNX says. */
    record Range(int axis, int start, int end, int step) {}

    static int axis(Attrs a, long axis, int rank, String what) {
        long v = axis < 0 ? axis + rank : axis;
        if (v < 0 || v >= rank) {
            throw a.error(what + " axis " + axis + " is out of range for rank " + rank);
        }
        return (int) v;
    }

    static Shape unsqueezed(Attrs a, Shape s, int[] axes) {
        int rank = s.rank() + axes.length;
        boolean[] inserted = new boolean[rank];
        for (int ax : axes) {
            int v = axis(a, ax, rank, "Unsqueeze");
            if (inserted[v]) {
                throw a.error("Unsqueeze axes " + Arrays.toString(axes) + " repeat an axis");
            }
            inserted[v] = true;
        }
        int[] out = new int[rank];
        for (int d = 0, k = 0; d < rank; d++) {
            out[d] = inserted[d] ? 1 : s.dim(k++);
        }
        return Shape.of(out);
    }

    static Shape squeezed(Attrs a, Shape s, int[] axes) {
        boolean[] drop = new boolean[s.rank()];
        if (axes == null) {
            for (int d = 0; d < s.rank(); d++) {
                drop[d] = s.dim(d) == 1;
            }
        } else {
            for (int ax : axes) {
                int v = axis(a, ax, s.rank(), "Squeeze");
                if (s.dim(v) != 1) {
                    throw a.error("Squeeze axis " + ax + " has size " + s.dim(v) + ", not 1 (shape " + s + ")");
                }
                drop[v] = true;
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int d = 0; d < s.rank(); d++) {
            if (!drop[d]) {
                out.add(s.dim(d));
            }
        }
        return Shape.of(out.stream().mapToInt(Integer::intValue).toArray());
    }

    static Shape flattened(Attrs a, Shape s) {
        int axis = (int) a.i("axis", 1);
        int ax = axis < 0 ? axis + s.rank() : axis;
        if (ax < 0 || ax > s.rank()) {
            throw a.error("Flatten axis " + axis + " is out of range for rank " + s.rank());
        }
        int outer = 1;
        for (int d = 0; d < ax; d++) {
            outer *= s.dim(d);
        }
        return Shape.of(outer, outer == 0 ? 0 : s.numel() / outer);
    }

    /** Reshape's target: 0 copies the input's dimension (allowzero is 0), -1 is inferred. */
    static Shape reshaped(Attrs a, Shape s, long[] target) {
        int[] out = new int[target.length];
        int infer = -1;
        long known = 1;
        for (int d = 0; d < target.length; d++) {
            long t = target[d];
            if (t == 0) {
                if (d >= s.rank()) {
                    throw a.error("Reshape target " + Arrays.toString(target) + " copies dimension " + d + " of shape " + s + ", which has none");
                }
                t = s.dim(d);
            }
            if (t == -1) {
                if (infer >= 0) {
                    throw a.error("Reshape target " + Arrays.toString(target) + " has two -1s");
                }
                infer = d;
                continue;
            }
            if (t < 0 || t > Folded.MAX_ELEMENTS) {
                throw a.error("Reshape target " + Arrays.toString(target) + " has dimension " + t);
            }
            out[d] = (int) t;
            known *= t;
        }
        if (infer >= 0) {
            if (known == 0 || s.numel() % known != 0) {
                throw a.error("cannot reshape " + s + " to " + Arrays.toString(target));
            }
            out[infer] = (int) (s.numel() / known);
            known *= out[infer];
        }
        if (known != s.numel()) {
            throw a.error("cannot reshape " + s + " (" + s.numel() + " elements) to " + Arrays.toString(target));
        }
        return Shape.of(out);
    }

    /** Slice's ranges from its starts, ends, axes and steps inputs; a negative step is refused. */
    static List<Range> slices(Attrs a, Shape s, List<Value> in) {
        long[] starts = in.get(1).folded("Slice starts").longs();
        long[] ends = in.get(2).folded("Slice ends").longs();
        long[] axes = in.size() > 3 && in.get(3) != null ? in.get(3).folded("Slice axes").longs() : null;
        long[] steps = in.size() > 4 && in.get(4) != null ? in.get(4).folded("Slice steps").longs() : null;
        if (ends.length != starts.length || (axes != null && axes.length != starts.length) || (steps != null && steps.length != starts.length)) {
            throw a.error("Slice starts, ends, axes and steps differ in length");
        }
        List<Range> out = new ArrayList<>();
        for (int k = 0; k < starts.length; k++) {
            int axis = axis(a, axes == null ? k : axes[k], s.rank(), "Slice");
            long step = steps == null ? 1 : steps[k];
            if (step <= 0) {
                throw a.error("Slice step " + step + " is not supported (Kiln slices with positive steps)");
            }
            long n = s.dim(axis);
            long start = clamp(starts[k] < 0 ? starts[k] + n : starts[k], n);
            long end = clamp(ends[k] < 0 ? ends[k] + n : ends[k], n);
            out.add(new Range(axis, (int) start, (int) Math.max(start, end), (int) Math.min(step, Integer.MAX_VALUE)));
        }
        return out;
    }

    private static long clamp(long v, long n) {
        return Math.max(0, Math.min(n, v));
    }
}
