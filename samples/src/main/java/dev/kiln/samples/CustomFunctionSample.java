package dev.kiln.samples;

import dev.kiln.Function;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import java.io.PrintStream;

/** The seed's fourth program: a custom autograd function, the Legendre polynomial P3, with its own backward. */
public final class CustomFunctionSample {
    private CustomFunctionSample() {
    }

    /** P3(x) = ½(5x³ − 3x); its derivative is 1.5(5x² − 1). */
    static final class LegendrePolynomial3 extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... inputs) {
            Tensor input = inputs[0];
            ctx.saveForBackward(input);
            return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor gradOutput) {
            Tensor input = ctx.savedTensors().get(0);
            return new Tensor[] {gradOutput.mul(1.5).mul(input.pow(2).mul(5).sub(1))};
        }
    }

    public static void main(String[] args) {
        run(System.out, Samples.compiled(args), Samples.steps(args, STEPS));
    }

    /** The training steps the seed runs. */
    public static final int STEPS = 2000;

    /** Trains and prints; returns the coefficients {a, b, c, d}. */
    public static Tensor[] run(PrintStream out, boolean compiled) {
        return run(out, compiled, STEPS);
    }

    /** As {@link #run(PrintStream, boolean)}, for {@code steps} training steps ({@code --steps N}: a short run, as the tests on a device make). */
    public static Tensor[] run(PrintStream out, boolean compiled, int steps) {
        // Inputs and targets
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();

        // The seed's fixed start: the weights must not be too far from the answer for this model
        Tensor a = Tensor.full(Shape.scalar(), 0.0).requiresGrad_(true);
        Tensor b = Tensor.full(Shape.scalar(), -1.0).requiresGrad_(true);
        Tensor c = Tensor.full(Shape.scalar(), 0.0).requiresGrad_(true);
        Tensor d = Tensor.full(Shape.scalar(), 0.3).requiresGrad_(true);

        double learningRate = 5e-6;
        LegendrePolynomial3 p3 = new LegendrePolynomial3();
        // One training step; with --compiled, Kiln.compile traces it once and replays the plan
        Step step = inputs -> {
            // Forward pass: P3 runs our forward, and autograd will use our backward
            Tensor yPred = a.add(b.mul(p3.apply(c.add(d.mul(x)))));

            // Loss
            Tensor loss = yPred.sub(y).pow(2).sum();

            loss.backward();

            try (var noGrad = Kiln.noGrad()) {
                a.sub_(a.grad().mul(learningRate));
                b.sub_(b.grad().mul(learningRate));
                c.sub_(c.grad().mul(learningRate));
                d.sub_(d.grad().mul(learningRate));

                a.clearGrad();
                b.clearGrad();
                c.clearGrad();
                d.clearGrad();
            }
            return loss;
        };
        Step train = compiled ? Kiln.compile(step) : step;
        for (int t = 0; t < steps; t++) {
            Tensor loss = train.apply();
            if (t % 100 == 88) {
                out.println(t + " " + Py.str(loss.item()));
            }
        }
        out.println("Result: y = " + Py.str(a.item()) + " + " + Py.str(b.item()) + " * P3(" + Py.str(c.item()) + " + "
                + Py.str(d.item()) + " x)");
        return new Tensor[] {a, b, c, d};
    }
}
