package dev.kiln.samples;

import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import java.io.PrintStream;

/** The seed's third program: autograd computes the gradients. */
public final class AutogradSample {
    /** The fixed seed of the random start. */
    public static final long SEED = 2;

    private AutogradSample() {
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
        Kiln.manualSeed(SEED);

        // Inputs and targets
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();

        // Weights that autograd tracks
        Tensor a = Tensor.randn().requiresGrad_(true);
        Tensor b = Tensor.randn().requiresGrad_(true);
        Tensor c = Tensor.randn().requiresGrad_(true);
        Tensor d = Tensor.randn().requiresGrad_(true);

        double learningRate = 1e-6;
        // One training step; with --compiled, Kiln.compile traces it once and replays the plan
        Step step = inputs -> {
            // Forward pass: the prediction
            Tensor yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));

            // Loss
            Tensor loss = yPred.sub(y).pow(2).sum();

            // Autograd fills a.grad(), b.grad(), ... (they accumulate until cleared)
            loss.backward();

            // Update the weights without recording the update
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
        out.println("Result: y = " + Py.str(a.item()) + " + " + Py.str(b.item()) + " x + " + Py.str(c.item())
                + " x^2 + " + Py.str(d.item()) + " x^3");
        return new Tensor[] {a, b, c, d};
    }
}
