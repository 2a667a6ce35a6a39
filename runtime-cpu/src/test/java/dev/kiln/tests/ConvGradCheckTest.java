package dev.kiln.tests;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Functional;
import dev.kiln.testing.GradCheck;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The convolution, pooling, padding and normalization composites' gradients against float64 central
 * differences at awkward sizes: odd spatial sizes, stride larger than the kernel, dilation, groups, padding
 * beyond the kernel's reach, ceil mode.
 */
class ConvGradCheckTest {
    private static final Generator G = new Generator(2026);

    private static Tensor r(int... dims) {
        return Tensor.randn(Shape.of(dims), DType.FLOAT64, G);
    }

    private static void check(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        GradCheck.check(f, List.of(inputs), GradCheck.defaults()).assertPassed();
    }

    private static int[] i(int... v) {
        return v;
    }

    @Test
    void convolutions() {
        check(in -> Functional.conv2d(in.get(0), in.get(1), in.get(2), i(3, 2), i(4, 1), i(2, 1), 2), r(2, 4, 7, 5), r(6, 2, 2, 3), r(6));
        check(in -> Functional.conv2d(in.get(0), in.get(1), null, i(1), "same", i(1, 2), 3), r(1, 3, 5, 6), r(3, 1, 4, 3));
        check(in -> Functional.conv1d(in.get(0), in.get(1), in.get(2), 3, 2, 2, 1), r(2, 3, 13), r(2, 3, 2), r(2));
        check(in -> Functional.convTranspose2d(in.get(0), in.get(1), in.get(2), i(3, 2), i(1, 0), i(1, 1), 2, i(1, 2)), r(1, 4, 3, 4),
                r(4, 1, 2, 3), r(2));
        check(in -> Functional.fold(in.get(0), i(5, 6), i(2, 3), i(2, 1), i(1), i(2, 3)), r(1, 12, 6));
    }

    @Test
    void poolingAndPadding() {
        // distinct values: max pooling has no ties for the differences to step across
        Tensor distinct = Tensor.arange(2 * 3 * 7 * 9).to(DType.FLOAT64).mul(0.37).sin().mul(5.0).reshape(2, 3, 7, 9);
        check(in -> Functional.maxPool2d(in.get(0), i(3, 2), i(2, 3), i(1), i(2, 1), true), distinct);
        check(in -> Functional.avgPool2d(in.get(0), i(3), i(2), i(1), true, false), r(2, 2, 7, 6));
        check(in -> Functional.adaptiveAvgPool2d(in.get(0), i(3, 4)), r(1, 2, 7, 5));
        check(in -> Functional.pad(in.get(0), i(2, 1, 3, 2), "reflect", 0), r(1, 2, 4, 5));
        check(in -> Functional.pad(in.get(0), i(1, 3, -1, 2), "constant", 0.5), r(1, 2, 3, 4));
    }

    @Test
    void normalization() {
        check(in -> Functional.batchNorm(in.get(0), null, null, in.get(1), in.get(2), true, 0.1, 1e-5), r(3, 2, 3, 5), r(2), r(2));
        check(in -> Functional.layerNorm(in.get(0), i(3, 5), in.get(1), null, 1e-5), r(2, 3, 5), r(3, 5));
        check(in -> Functional.groupNorm(in.get(0), 2, in.get(1), in.get(2), 1e-5), r(2, 4, 3, 3), r(4), r(4));
    }
}
