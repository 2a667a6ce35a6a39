package dev.kiln.samples;

import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import java.io.PrintStream;

/** The seed's second program: Kiln tensors, gradients written by hand. */
public final class TensorSample {
    /** The fixed seed of the random start. */
    public static final long SEED = 1;

    private TensorSample() {
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

        // Random initial weights
        Tensor a = Tensor.randn();
        Tensor b = Tensor.randn();
        Tensor c = Tensor.randn();
        Tensor d = Tensor.randn();

        double learningRate = 1e-6;
        // One training step; with --compiled, Kiln.compile traces it once and replays the plan
        Step step = inputs -> {
            // Forward pass: the prediction
            Tensor yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));

            // Loss
            Tensor loss = yPred.sub(y).pow(2).sum();

            // Backward pass by hand
            Tensor gradYPred = yPred.sub(y).mul(2.0);
            Tensor gradA = gradYPred.sum();
            Tensor gradB = gradYPred.mul(x).sum();
            Tensor gradC = gradYPred.mul(x.pow(2)).sum();
            Tensor gradD = gradYPred.mul(x.pow(3)).sum();

            // Update weights
            a.sub_(gradA.mul(learningRate));
            b.sub_(gradB.mul(learningRate));
            c.sub_(gradC.mul(learningRate));
            d.sub_(gradD.mul(learningRate));
            return loss;
        };
        Step train = compiled ? Kiln.compile(step) : step;
        for (int t = 0; t < steps; t++) {
            double loss = train.apply().item();
            if (t % 100 == 88) {
                out.println(t + " " + Py.str(loss));
            }
        }
        out.println("Result: y = " + Py.str(a.item()) + " + " + Py.str(b.item()) + " x + " + Py.str(c.item())
                + " x^2 + " + Py.str(d.item()) + " x^3");
        return new Tensor[] {a, b, c, d};
    }
}
