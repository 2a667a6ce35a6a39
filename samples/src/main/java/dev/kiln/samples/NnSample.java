package dev.kiln.samples;

import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Sequential;
import java.io.PrintStream;

/** The seed's fifth program: an nn model (Linear + Flatten), MSELoss, and a hand-written update. */
public final class NnSample {
    /** The fixed seed of Linear's random initialisation. */
    public static final long SEED = 5;

    private NnSample() {
    }

    public static void main(String[] args) {
        run(System.out, Samples.compiled(args), Samples.steps(args, STEPS));
    }

    /** The training steps the seed runs. */
    public static final int STEPS = 2000;

    /** Trains and prints; returns the model. */
    public static Sequential run(PrintStream out, boolean compiled) {
        return run(out, compiled, STEPS);
    }

    /** As {@link #run(PrintStream, boolean)}, for {@code steps} training steps ({@code --steps N}: a short run, as the tests on a device make). */
    public static Sequential run(PrintStream out, boolean compiled, int steps) {
        Kiln.manualSeed(SEED);

        // Inputs and targets
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();

        // x.unsqueeze(-1) is [2000, 1]; p is [3]; broadcasting gives the features x, x², x³ as [2000, 3]
        Tensor p = Tensor.of(1L, 2L, 3L);
        Tensor xx = x.unsqueeze(-1).pow(p);

        // A linear layer with 3 inputs and 1 output, then Flatten(0, 1) turns [2000, 1] into [2000] to match y
        Sequential model = new Sequential(
                new Linear(3, 1),
                new Flatten(0, 1));

        MSELoss lossFn = new MSELoss(Reduction.SUM);

        double learningRate = 1e-6;
        // One training step; with --compiled, Kiln.compile traces it (once) and replays the plan
        Step step = inputs -> {
            // Forward pass
            Tensor yPred = model.forward(xx);

            // Loss
            Tensor loss = lossFn.forward(yPred, y);

            // Clear the gradients, then backpropagate into the model's parameters
            model.zeroGrad();
            loss.backward();

            // Update the weights by hand, without recording it
            try (var noGrad = Kiln.noGrad()) {
                for (Tensor param : model.parameters()) {
                    param.sub_(param.grad().mul(learningRate));
                }
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

        // The first layer of the model, like model[0]
        Linear linearLayer = model.get(0);
        out.println("Result: y = " + Py.str(linearLayer.bias.item()) + " + " + Py.str(linearLayer.weight.select(1, 0).item())
                + " x + " + Py.str(linearLayer.weight.select(1, 1).item()) + " x^2 + "
                + Py.str(linearLayer.weight.select(1, 2).item()) + " x^3");
        return model;
    }
}
