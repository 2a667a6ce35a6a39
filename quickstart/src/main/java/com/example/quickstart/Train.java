package com.example.quickstart;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.MSELoss;
import dev.kiln.optim.Adam;

/** Fits sin(x) on [-π, π] with {@link SineNet}: a compiled training step (forward, loss, backward, Adam), then a prediction. */
public final class Train {
    private Train() {
    }

    /** The inputs, {@code [256, 1]}. */
    static Tensor inputs() {
        return Tensor.linspace(-Math.PI, Math.PI, 256).unsqueeze(1);
    }

    /** Trains {@code model} for {@code steps} steps and returns the last loss (the mean squared error). */
    static double train(SineNet model, int steps, boolean verbose) {
        Tensor x = inputs();
        Tensor y = x.sin();
        Adam optimizer = new Adam(model.parameters(), Adam.Options.lr(0.01));
        // traced once, then replayed as a few fused kernels
        CompiledFunction step = ((SineNetModel) model).trainingStep(new MSELoss()::forward, optimizer);
        double loss = Double.NaN;
        for (int t = 1; t <= steps; t++) {
            loss = step.call(x, y).item();
            if (verbose && t % 200 == 0) {
                System.out.printf("step %4d  loss %.6f%n", t, loss);
            }
        }
        return loss;
    }

    public static void main(String[] args) {
        Kiln.manualSeed(0);
        SineNet model = SineNetModel.create();
        train(model, 1000, true);
        model.eval();
        try (var _ = Kiln.noGrad()) {
            Tensor at = Tensor.of(Math.PI / 2).reshape(1, 1);
            System.out.printf("sin(pi/2) ~ %.4f%n", model.forward(at).item());
        }
    }
}
