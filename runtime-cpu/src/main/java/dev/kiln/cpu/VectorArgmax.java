package dev.kiln.cpu;

import dev.kiln.ir.Index;
import dev.kiln.spi.Layout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling's float32 window argmax with the Vector API: the lanes are neighbouring windows of one output
 * row, each window element a masked gather (the padding's lanes masked off), compared and blended into the
 * running maximum and its position. The scalar loop's rule per lane — a greater value or a NaN replaces, in
 * window order from the first position inside the input — so its positions; and no branch on the data,
 * which mispredicts on about one window element in three.
 */
final class VectorArgmax implements IndexKernels.FloatArgmax {
    // constants, as C2 compiles vector operations to instructions only for species it knows; positions come out
    // the same at any width, so the JVM's preferred one serves whatever -Dkiln.simd.bits chose for sums
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    @Override
    public void run(float[] x, Layout layout, Index.WindowArgmax op, long[] out) {
        var rows = op.rows();
        var cols = op.cols();
        int channels = layout.shape().dim(1);
        int planes = layout.shape().dim(0) * channels;
        int h = layout.shape().dim(2);
        int w = layout.shape().dim(3);
        int[] xs = layout.strides();
        int lanes = FLOATS.length();
        int ow = cols.count();
        int padded = (ow + lanes - 1) / lanes * lanes;
        // per window column j: each lane's input column and whether it lies inside the input
        int kw = cols.kernel();
        int[][] col = new int[kw][padded];
        boolean[][] inside = new boolean[kw][padded];
        int[] firstCol = new int[padded];
        for (int o = 0; o < ow; o++) {
            firstCol[o] = cols.first(o);
            for (int j = 0; j < kw; j++) {
                int c = cols.start(o) + j * cols.dilation();
                inside[j][o] = c >= 0 && c < w;
                col[j][o] = inside[j][o] ? c : 0;
            }
        }
        int windows = rows.count() * ow;
        Threads.forEach(planes, IndexKernels.parallel(planes, op), plane -> {
            int base = layout.offset() + (plane / channels) * xs[0] + (plane % channels) * xs[1];
            int[] best = new int[lanes];
            int at = plane * windows;
            for (int oh = 0; oh < rows.count(); oh++, at += ow) {
                int firstRow = rows.first(oh) * w;
                for (int b = 0; b < ow; b += lanes) {
                    FloatVector max = FloatVector.broadcast(FLOATS, Float.NEGATIVE_INFINITY);
                    IntVector where = IntVector.fromArray(INTS, firstCol, b).add(firstRow);
                    for (int i = 0; i < rows.kernel(); i++) {
                        int r = rows.start(oh) + i * rows.dilation();
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        for (int j = 0; j < kw; j++) {
                            VectorMask<Float> in = VectorMask.fromArray(FLOATS, inside[j], b);
                            FloatVector v = FloatVector.fromArray(FLOATS, x, base + r * xs[2], col[j], b, in);
                            VectorMask<Float> take = v.compare(VectorOperators.GT, max).or(v.compare(VectorOperators.NE, v)).and(in);
                            max = max.blend(v, take);
                            where = where.blend(IntVector.fromArray(INTS, col[j], b).add(r * w), take.cast(INTS));
                        }
                    }
                    where.intoArray(best, 0);
                    for (int l = 0, n = Math.min(lanes, ow - b); l < n; l++) {
                        out[at + b + l] = best[l];
                    }
                }
            }
        });
    }
}
