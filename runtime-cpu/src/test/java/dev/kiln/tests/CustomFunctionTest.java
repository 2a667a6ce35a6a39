package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Autograd;
import dev.kiln.DType;
import dev.kiln.Function;
import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.testing.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

class CustomFunctionTest {
    /** The seed's Legendre P3, saving its input. */
    static final class P3 extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return in[0].pow(3).mul(5).sub(in[0].mul(3)).mul(0.5);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            Tensor x = ctx.savedTensors().get(0);
            return new Tensor[] {g.mul(1.5).mul(x.pow(2).mul(5).sub(1))};
        }
    }

    /** exp, saving its output (as PyTorch's own exp does). */
    static final class Exp extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            Tensor y = in[0].exp();
            ctx.saveForBackward(y);
            return y;
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g.mul(ctx.savedTensors().get(0))};
        }
    }

    /** a * b + sin(a) with broadcasting; saves an intermediate that is neither input nor output. */
    static final class MulSin extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            Tensor cos = in[0].cos();
            ctx.saveForBackward(in[0], in[1], cos);
            return in[0].mul(in[1]).add(in[0].sin());
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            List<Tensor> s = ctx.savedTensors();
            Tensor ga = ctx.needsInputGrad(0) ? g.mul(s.get(1).add(s.get(2))) : null;
            Tensor gb = ctx.needsInputGrad(1) ? g.mul(s.get(0)) : null;
            return new Tensor[] {ga, gb};
        }
    }

    /** A deliberately wrong backward (forgets the factor 3 of x³). */
    static final class WrongCube extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return in[0].pow(3);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g.mul(ctx.savedTensors().get(0).pow(2))};
        }
    }

    static final class OnceCube extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return in[0].pow(3);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g.mul(ctx.savedTensors().get(0).pow(2)).mul(3)};
        }

        @Override
        protected boolean onceDifferentiable() {
            return true;
        }
    }

    /** 2x, saving None beside its input, as {@code ctx.save_for_backward(x, None)} may. */
    static final class SavesNone extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0], null);
            ctx.saveForBackward((Tensor) null);
            return in[0].mul(2.0);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            List<Tensor> s = ctx.savedTensors();
            assertEquals(3, s.size());
            assertNull(s.get(1));
            assertNull(s.get(2));
            assertThrows(UnsupportedOperationException.class, () -> s.set(1, g));
            return new Tensor[] {g.mul(2.0)};
        }
    }

    @Test
    void aSavedNullReadsBackAsNullEagerAndCompiled() {
        Tensor x = Tensor.of(DType.FLOAT64, 1.0, 3.0).requiresGrad_(true);
        new SavesNone().apply(x).sum().backward();
        assertArrayEquals(new double[] {2, 2}, x.grad().toDoubleArray());
        Tensor w = Tensor.of(DType.FLOAT64, 1.0, 3.0).requiresGrad_(true);
        Tensor loss = Kiln.compile(in -> {
            Tensor l = new SavesNone().apply(w).sum();
            l.backward();
            return l;
        }).apply();
        assertEquals(8.0, loss.item());
        assertArrayEquals(new double[] {2, 2}, w.grad().toDoubleArray());
    }

    @Test
    void customFunctionsPassGradCheckOnRandomInputs() {
        Props.check("custom functions", 40, Props.broadcastPair().zip(Props.seeds(), (s, seed) -> new Object[] {s, seed})
                .describedAs(o -> java.util.Arrays.toString((Shape[]) o[0]) + " seed " + o[1]), o -> {
                    Shape[] s = (Shape[]) o[0];
                    long seed = (Long) o[1];
                    Tensor a = Props.normal(s[0], seed);
                    Tensor b = Props.normal(s[1], seed + 1);
                    GradCheck.check(xs -> new P3().apply(xs.get(0).tanh()).sum(), a).assertPassed();
                    GradCheck.check(xs -> new Exp().apply(xs.get(0).tanh()), a).assertPassed();
                    GradCheck.check(xs -> new MulSin().apply(xs.get(0), xs.get(1)), List.of(a, b), GradCheck.defaults())
                            .assertPassed();
                });
    }

    @Test
    void gradCheckCatchesAWrongBackward() {
        Props.check("wrong backward is caught", 10, Generate.range(1, 40).map(n -> Shape.of(n)), s -> {
            Tensor x = Props.normal(s, 3).add(2.0);
            GradCheck.Result r = GradCheck.check(xs -> new WrongCube().apply(xs.get(0)).sum(), x);
            assertFalse(r.passed(), r.report());
            assertEquals(r.numeric() / 3, r.analytic(), 1e-4 * Math.abs(r.analytic()) + 1e-6);
        });
    }

    @Test
    void theCallIsOneNodeAndBackwardUsesTheUsersRule() {
        Tensor x = Tensor.of(DType.FLOAT64, 0.5, -1.0).requiresGrad_(true);
        Tensor y = new P3().apply(x);
        assertTrue(y.toString().endsWith("gradFn=call)"), y.toString());
        y.sum().backward();
        assertArrayEquals(new double[] {1.5 * (5 * 0.25 - 1), 1.5 * 4}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void doubleBackwardThroughTheUsersBackward() {
        Tensor x = Tensor.of(DType.FLOAT64, 0.5, -1.0).requiresGrad_(true);
        Tensor g = Autograd.grad(new P3().apply(x).sum(), List.of(x), null, false, true).get(0);
        g.sum().backward();
        assertArrayEquals(new double[] {15 * 0.5, -15}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void onceDifferentiableFailsClearlyOnTheSecondDerivative() {
        Tensor x = Tensor.of(DType.FLOAT64, 2.0).requiresGrad_(true);
        Tensor g = Autograd.grad(new OnceCube().apply(x).sum(), List.of(x), null, false, true).get(0);
        assertEquals(12.0, g.item(), 1e-12);
        KilnException e = assertThrows(KilnException.class, () -> g.sum().backward());
        assertTrue(e.getMessage().contains("OnceCube is once-differentiable"), e.getMessage());
        assertNull(x.grad());
    }

    @Test
    void wrongNumberOfGradientsNamesTheClass() {
        int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
        Function twoGrads = new Function() {
            @Override
            protected Tensor forward(Context ctx, Tensor... in) {
                return in[0].mul(2.0);
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor g) {
                return new Tensor[] {g, g};
            }
        };
        Tensor x = Tensor.of(1.0).requiresGrad_(true);
        KilnException e = assertThrows(KilnException.class, () -> twoGrads.apply(x).sum().backward());
        // an anonymous class has no name of its own: it is named by where it was written
        assertTrue(e.getMessage().startsWith("backward of the anonymous Function at CustomFunctionTest.java:" + line
                + " returned 2 gradients but forward took 1 inputs"), e.getMessage());
        assertNull(x.grad());
        // compiled too, and in the traced graph's text
        Tensor w = Tensor.of(1.0).requiresGrad_(true);
        var step = Kiln.compile(in -> twoGrads.apply(w).sum());
        Tensor y = step.apply();
        assertTrue(Kiln.explain(step).contains("anonymous Function at CustomFunctionTest.java:" + line), Kiln.explain(step));
        e = assertThrows(KilnException.class, () -> Kiln.compile(in -> {
            Tensor l = twoGrads.apply(w).sum();
            l.backward();
            return l;
        }).apply());
        assertTrue(e.getMessage().startsWith("backward of the anonymous Function at CustomFunctionTest.java:" + line), e.getMessage());
        assertEquals(2.0, y.item(), 0);
    }

    @Test
    void wrongGradientShapeNamesTheClassAndShapes() {
        class Summer extends Function {
            @Override
            protected Tensor forward(Context ctx, Tensor... in) {
                return in[0].sum();
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor g) {
                return new Tensor[] {g};
            }
        }
        Tensor x = Tensor.of(1.0, 2.0).requiresGrad_(true);
        KilnException e = assertThrows(KilnException.class, () -> new Summer().apply(x).backward());
        assertTrue(e.getMessage().startsWith("Summer.backward returned a gradient of shape [] for input 0, which has shape [2]"),
                e.getMessage());
    }

    @Test
    void needsInputGradAndForwardWithoutRecording() {
        Tensor a = Tensor.of(DType.FLOAT64, 1, 2).requiresGrad_(true);
        Tensor b = Tensor.of(DType.FLOAT64, 3, 4);
        Tensor y = new MulSin().apply(a, b);
        assertTrue(y.requiresGrad());
        y.sum().backward();
        assertArrayEquals(new double[] {3 + Math.cos(1), 4 + Math.cos(2)}, a.grad().toDoubleArray(), 1e-12);
        assertFalse(new MulSin().apply(b, b).requiresGrad());
    }
}
