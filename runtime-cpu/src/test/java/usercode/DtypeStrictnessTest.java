package usercode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Reduction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * PyTorch 1.13's dtype rules where it refuses what type promotion would accept: matrix products
 * of two dtypes, and class indices that are not int64. Each error names the op, both dtypes and
 * the user's line, and says what to convert.
 */
class DtypeStrictnessTest {
    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber() + 1;
    }

    /** The error {@code code} throws, which must contain every one of {@code parts} and end with the user's line. */
    private static KilnException assertRefused(int line, Executable code, String... parts) {
        KilnException e = assertThrows(KilnException.class, code);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
        assertEquals("DtypeStrictnessTest.java:" + line, e.site(), e.getMessage());
        return e;
    }

    private static final Tensor LOGITS = Tensor.randn(4, 3);

    @Test
    void aFloat32LinearRefusesAFloat64BatchEagerAndCompiled() {
        Linear linear = new Linear(3, 4);
        Tensor batch = Tensor.ones(Shape.of(2, 3), DType.FLOAT64);
        String[] parts = {"Linear(in_features=3, out_features=4, bias=True): the input is float64 but the weight is float32",
            "mat1 and mat2 must have the same dtype", "input.to(DType.FLOAT32)", "module.to(DType.FLOAT64)"};
        int line = nextLine();
        assertRefused(line, () -> linear.forward(batch), parts);
        CompiledFunction f = Kiln.compile(in -> {
            int inside = nextLine();
            assertRefused(inside, () -> linear.forward(in[0]), parts);
            return linear.forward(in[0].to(DType.FLOAT32));
        });
        assertEquals(DType.FLOAT32, f.call(batch).dtype());
        assertEquals(DType.FLOAT32, linear.forward(batch.to(DType.FLOAT32)).dtype());
        line = nextLine();
        assertRefused(line, () -> linear.forward(Tensor.ones(Shape.of(2, 3), DType.INT64)), "the input is int64",
                "input.to(DType.FLOAT32)");
    }

    @Test
    void matmulRefusesTwoDtypesWhileElementwiseOpsPromote() {
        Tensor a = Tensor.ones(2, 3);
        Tensor b = Tensor.ones(Shape.of(3, 4), DType.FLOAT64);
        int line = nextLine();
        assertRefused(line, () -> a.matmul(b), "matmul: expected both operands to have one dtype, got float32 [2, 3] and float64 [3, 4]",
                "expected scalar type Float but found Double", ".to(DType.FLOAT32) or .to(DType.FLOAT64)");
        line = nextLine();
        assertRefused(line, () -> b.t().matmul(Tensor.ones(Shape.of(3), DType.INT64)), "float64 [4, 3] and int64 [3]",
                "expected scalar type Double but found Long");
        assertEquals(DType.FLOAT64, a.add(Tensor.ones(Shape.of(2, 3), DType.FLOAT64)).dtype(), "elementwise ops promote, as PyTorch's");
        assertEquals(Shape.of(2, 4), a.matmul(b.to(DType.FLOAT32)).shape());
    }

    @Test
    void classIndicesMustBeInt64() {
        Tensor int32 = Tensor.of(DType.INT32, 0, 2, 1, 1);
        int line = nextLine();
        assertRefused(line, () -> Functional.crossEntropy(LOGITS, int32, null, Functional.IGNORE_INDEX, 0, Reduction.MEAN),
                "crossEntropy: class indices must be int64, got int32 [4]", "expected scalar type Long but found Int",
                "target.to(DType.INT64)");
        line = nextLine();
        assertRefused(line, () -> Functional.nllLoss(LOGITS.logSoftmax(1), int32, null, Functional.IGNORE_INDEX, Reduction.MEAN),
                "nllLoss: class indices must be int64, got int32 [4]", "expected scalar type Long but found Int");
        CompiledFunction f = Kiln.compile(in -> {
            int inside = nextLine();
            assertRefused(inside, () -> Functional.crossEntropy(in[0], in[1], null, Functional.IGNORE_INDEX, 0, Reduction.MEAN),
                    "class indices must be int64, got int32");
            return Functional.crossEntropy(in[0], in[1].to(DType.INT64), null, Functional.IGNORE_INDEX, 0, Reduction.MEAN);
        });
        Tensor int64 = int32.to(DType.INT64);
        assertEquals(Functional.crossEntropy(LOGITS, int64, null, Functional.IGNORE_INDEX, 0, Reduction.MEAN).item(),
                f.call(LOGITS, int32).item(), 1e-6);
    }

    @Test
    void floatLabelsOfClassIndexShapeAreADtypeMistake() {
        Tensor labels = Tensor.of(0, 2, 1, 1f);
        int line = nextLine();
        assertRefused(line, () -> Functional.crossEntropy(LOGITS, labels, null, Functional.IGNORE_INDEX, 0, Reduction.MEAN),
                "crossEntropy: class indices must be int64, got float32 [4]", "expected scalar type Long but found Float",
                "target.to(DType.INT64)", "class probabilities only with the input's shape [4, 3]");
        line = nextLine();
        assertRefused(line, () -> Functional.crossEntropy(LOGITS, labels.unsqueeze(1), null, Functional.IGNORE_INDEX, 0,
                Reduction.MEAN), "got float32 [4, 1]", "of shape [4]");
        line = nextLine();
        assertRefused(line, () -> Functional.crossEntropy(LOGITS, Tensor.zeros(Shape.of(4, 3), DType.INT64), null,
                Functional.IGNORE_INDEX, 0, Reduction.MEAN), "a target of the input's shape [4, 3] holds class probabilities,"
                + " which must be floating, got int64", "Expected floating point type for target with class probabilities, got Long");
        Tensor probabilities = LOGITS.mul(0.5).softmax(1).to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, Functional.crossEntropy(LOGITS, probabilities, null, Functional.IGNORE_INDEX, 0,
                Reduction.MEAN).dtype(), "probabilities of another floating dtype promote, as PyTorch's");
    }

    @Test
    void aClassWeightHasTheInputsDtype() {
        Tensor target = Tensor.of(0L, 2L, 1L, 1L);
        int line = nextLine();
        assertRefused(line, () -> Functional.nllLoss(LOGITS, target, Tensor.ones(Shape.of(3), DType.FLOAT64),
                Functional.IGNORE_INDEX, Reduction.MEAN), "nllLoss: weight must have the input's dtype float32, got float64",
                "expected scalar type Float but found Double");
    }
}
