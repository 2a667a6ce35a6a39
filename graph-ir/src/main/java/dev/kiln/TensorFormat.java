package dev.kiln;

import dev.kiln.spi.Storage;
import dev.kiln.spi.TensorData;

import java.util.Locale;

/**
 * PyTorch-like printing: {@code tensor([1.0000, 2.0000], shape=[2], dtype=float32)}. Tensors of
 * more than 1000 elements show the first and last three entries of each dimension.
 */
final class TensorFormat {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {
    }

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        boolean abridge = t.numel() > THRESHOLD;
        TensorData host = t.hostData();
        boolean sci = useScientific(t, host);
        values(sb, host, t.dtype(), new int[t.dim()], 0, abridge, sci, 8);
        sb.append(", shape=").append(t.shape()).append(", dtype=").append(t.dtype());
        if (!t.device().equals(Device.CPU)) {
            sb.append(", device=").append(t.device());
        }
        if (t.gradFn() != null) {
            sb.append(", gradFn=").append(t.gradFn().op.name());
        } else if (t.requiresGrad()) {
            sb.append(", requiresGrad=true");
        }
        return sb.append(')').toString();
    }

    private static boolean useScientific(Tensor t, TensorData host) {
        if (!t.dtype().isFloating()) {
            return false;
        }
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        int n = Math.min(t.numel(), 100_000);
        for (int i = 0; i < n; i++) {
            double v = Math.abs(host.getDouble(i));
            if (Double.isFinite(v) && v != 0) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
        }
        return max >= 1e8 || (min < 1e-4 && min > 0) || (max / min > 1000 && max > 0);
    }

    private static void values(StringBuilder sb, TensorData d, DType dtype, int[] idx, int axis, boolean abridge,
            boolean sci, int indent) {
        if (axis == idx.length) {
            sb.append(element(d.storage(), d.layout().index(idx), dtype, sci));
            return;
        }
        int n = d.shape().dim(axis);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (abridge && n > 2 * EDGE && i == EDGE) {
                sb.append(axis == idx.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + axis));
                i = n - EDGE;
            }
            idx[axis] = i;
            values(sb, d, dtype, idx, axis + 1, abridge, sci, indent);
            if (i < n - 1) {
                sb.append(axis == idx.length - 1 ? ", " : ",\n" + " ".repeat(indent + axis));
            }
        }
        sb.append(']');
    }

    private static String element(Storage s, int at, DType dtype, boolean sci) {
        return switch (dtype) {
            case BOOL -> s.getLong(at) != 0 ? "true" : "false";
            case INT32, INT64 -> Long.toString(s.getLong(at));
            case FLOAT32, FLOAT64 -> {
                double v = s.getDouble(at);
                if (Double.isNaN(v)) {
                    yield "nan";
                }
                if (Double.isInfinite(v)) {
                    yield v > 0 ? "inf" : "-inf";
                }
                yield String.format(Locale.ROOT, sci ? "%.4e" : "%.4f", v);
            }
        };
    }
}
