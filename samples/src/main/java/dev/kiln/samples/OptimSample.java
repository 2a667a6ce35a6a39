package dev.kiln.samples;

import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.RMSprop;
import java.io.PrintStream;

/** The seed's sixth program: the nn model trained by an optimizer, RMSprop. */
public final class OptimSample {
    /** The fixed seed of Linear's random initialisation. */
    public static final long SEED = 6;

    private OptimSample() {
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

        // Inputs, targets and the features x, x², x³
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();
        Tensor p = Tensor.of(1L, 2L, 3L);
        Tensor xx = x.unsqueeze(-1).pow(p);

        Sequential model = new Sequential(
                new Linear(3, 1),
                new Flatten(0, 1));
        MSELoss lossFn = new MSELoss(Reduction.SUM);

        // The optimizer updates the parameters for us. The seed builds it before it sets
        // learning_rate = 1e-3, so it trains at the previous cell's 1e-6 and barely moves;
        // this uses the 1e-3 the text intends.
        double learningRate = 1e-3;
        RMSprop optimizer = new RMSprop(model.parameters(), learningRate);

        // One training step; with --compiled, Kiln.compile traces it (once) and replays the plan
        Step step = inputs -> {
            Tensor yPred = model.forward(xx);

            Tensor loss = lossFn.forward(yPred, y);

            // Clear the gradients, backpropagate, and let the optimizer update the weights
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            return loss;
        };
        Step train = compiled ? Kiln.compile(step) : step;
        for (int t = 0; t < steps; t++) {
            Tensor loss = train.apply();
            if (t % 100 == 88) {
                out.println(t + " " + Py.str(loss.item()));
            }
        }

        Linear linearLayer = model.get(0);
        out.println("Result: y = " + Py.str(linearLayer.bias.item()) + " + " + Py.str(linearLayer.weight.select(1, 0).item())
                + " x + " + Py.str(linearLayer.weight.select(1, 1).item()) + " x^2 + "
                + Py.str(linearLayer.weight.select(1, 2).item()) + " x^3");
        return model;
    }
}
