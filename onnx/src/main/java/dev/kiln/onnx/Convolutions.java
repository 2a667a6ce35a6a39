package dev.kiln.onnx;

import dev.kiln.Tensor;
import dev.kiln.nn.Functional;
import java.util.Arrays;

/** Conv, MaxPool and AveragePool on 1-D and 2-D images (pads given per side, as ONNX writes them). */
final class Convolutions {
    private Convolutions() {}

    static Tensor conv(Attrs a, Tensor x, Tensor w, Tensor bias) {
        int spatial = x.dim() - 2;
        if (spatial != 1 && spatial != 2 || w.dim() != x.dim()) {
            throw a.error("Conv on input " + x.shape() + " and weight " + w.shape() + " is not supported (Kiln convolves 1-D and 2-D images)");
        }
        int[] kernel = a.ints("kernel_shape", Arrays.copyOfRange(w.shape().toArray(), 2, w.dim()));
        if (!Arrays.equals(kernel, Arrays.copyOfRange(w.shape().toArray(), 2, w.dim()))) {
            throw a.error("kernel_shape " + Arrays.toString(kernel) + " does not match the weight " + w.shape());
        }
        int[] stride = a.ints("strides", ones(spatial));
        int[] dilation = a.ints("dilations", ones(spatial));
        int[] pads = a.ints("pads", new int[2 * spatial]);
        check(a, spatial, stride, dilation, pads);
        int groups = (int) a.i("group", 1);
        int[] sym = symmetric(pads, spatial);
        if (sym == null) {
            x = Functional.pad(x, torchPad(pads, spatial));
            sym = new int[spatial];
        }
        return spatial == 1
                ? Functional.conv1d(x, w, bias, stride[0], sym[0], dilation[0], groups)
                : Functional.conv2d(x, w, bias, stride, sym, dilation, groups);
    }

    /**
     * MaxPool's values, and where the node asks for its second output the positions of the maxima counted over
     * the whole NCHW tensor, as ONNX counts them (Kiln counts within a plane).
     */
    static java.util.List<Tensor> maxPool(Attrs a, Tensor x) {
        int[] kernel = a.ints("kernel_shape", null);
        require2d(a, x, kernel);
        int[] stride = a.ints("strides", ones(2));
        int[] dilation = a.ints("dilations", ones(2));
        int[] pads = a.ints("pads", new int[4]);
        check(a, 2, stride, dilation, pads);
        int[] sym = symmetric(pads, 2);
        if (sym == null) {
            throw a.error("asymmetric pads " + Arrays.toString(pads) + " are not supported for MaxPool");
        }
        boolean ceil = a.i("ceil_mode", 0) != 0;
        if (a.node().getOutputCount() < 2) {
            return java.util.List.of(Functional.maxPool2d(x, kernel, stride, sym, dilation, ceil));
        }
        if (a.i("storage_order", 0) != 0) {
            throw a.error("MaxPool's indices in column-major order (storage_order=1) are not supported");
        }
        java.util.List<Tensor> vi = Functional.maxPool2dWithIndices(x, kernel, stride, sym, dilation, ceil);
        int planes = x.size(0) * x.size(1);
        Tensor first = Tensor.arange(planes).mul((long) x.size(2) * x.size(3)).reshape(x.size(0), x.size(1), 1, 1);
        return java.util.List.of(vi.get(0), vi.get(1).add(first));
    }

    static Tensor avgPool(Attrs a, Tensor x) {
        int[] kernel = a.ints("kernel_shape", null);
        require2d(a, x, kernel);
        int[] stride = a.ints("strides", ones(2));
        int[] pads = a.ints("pads", new int[4]);
        check(a, 2, stride, ones(2), pads);
        int[] sym = symmetric(pads, 2);
        if (sym == null) {
            throw a.error("asymmetric pads " + Arrays.toString(pads) + " are not supported for AveragePool");
        }
        return Functional.avgPool2d(x, kernel, stride, sym, a.i("ceil_mode", 0) != 0, a.i("count_include_pad", 0) != 0);
    }

    private static void require2d(Attrs a, Tensor x, int[] kernel) {
        if (x.dim() != 4 || kernel == null || kernel.length != 2) {
            throw a.error("pooling of input " + x.shape() + " with kernel_shape " + Arrays.toString(kernel)
                    + " is not supported (Kiln pools 2-D images: [N, C, H, W], two kernel sizes)");
        }
    }

    private static void check(Attrs a, int spatial, int[] stride, int[] dilation, int[] pads) {
        if (stride.length != spatial || dilation.length != spatial || pads.length != 2 * spatial) {
            throw a.error("strides " + Arrays.toString(stride) + ", dilations " + Arrays.toString(dilation) + " and pads "
                    + Arrays.toString(pads) + " do not fit " + spatial + " spatial dimension(s)");
        }
    }

    private static int[] ones(int n) {
        int[] out = new int[n];
        Arrays.fill(out, 1);
        return out;
    }

    /** The per-dimension padding when ONNX's begin and end pads agree, else null. */
    private static int[] symmetric(int[] pads, int spatial) {
        int[] out = new int[spatial];
        for (int d = 0; d < spatial; d++) {
            if (pads[d] != pads[d + spatial]) {
                return null;
            }
            out[d] = pads[d];
        }
        return out;
    }

    /** ONNX's [b1, b2, e1, e2] as F.pad's last-dimension-first [b2, e2, b1, e1]. */
    private static int[] torchPad(int[] pads, int spatial) {
        int[] out = new int[2 * spatial];
        for (int d = 0; d < spatial; d++) {
            int dim = spatial - 1 - d;
            out[2 * d] = pads[dim];
            out[2 * d + 1] = pads[dim + spatial];
        }
        return out;
    }
}
