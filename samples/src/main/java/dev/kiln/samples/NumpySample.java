package dev.kiln.samples;

import java.io.PrintStream;
import java.util.Random;

/**
 * The seed's first program: fit sin(x) with a cubic using plain arrays and hand-written
 * gradients (NumPy in the seed, float64). The seed prints the array of squared errors by a
 * slip; this prints their sum, as intended.
 */
public final class NumpySample {
    /** The fixed seed of the random start. */
    public static final long SEED = 0;

    private NumpySample() {
    }

    public static void main(String[] args) {
        run(System.out, Samples.compiled(args));
    }

    /** Trains and prints; returns the coefficients {a, b, c, d}. Plain Java: there is nothing to compile. */
    public static double[] run(PrintStream out, boolean compiled) {
        // Inputs and targets
        int n = 2000;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = -Math.PI + 2 * Math.PI * i / (n - 1);
            y[i] = Math.sin(x[i]);
        }

        // Random initial weights
        Random random = new Random(SEED);
        double a = random.nextGaussian();
        double b = random.nextGaussian();
        double c = random.nextGaussian();
        double d = random.nextGaussian();

        double learningRate = 1e-6;
        for (int t = 0; t < 2000; t++) {
            // Forward pass and loss
            double[] yPred = new double[n];
            double loss = 0;
            for (int i = 0; i < n; i++) {
                yPred[i] = a + b * x[i] + c * x[i] * x[i] + d * x[i] * x[i] * x[i];
                loss += (yPred[i] - y[i]) * (yPred[i] - y[i]);
            }
            if (t % 100 == 55) {
                out.println(t + " " + Py.str(loss));
            }

            // Backward pass: gradients of a, b, c, d
            double gradA = 0;
            double gradB = 0;
            double gradC = 0;
            double gradD = 0;
            for (int i = 0; i < n; i++) {
                double gradYPred = 2.0 * (yPred[i] - y[i]);
                gradA += gradYPred;
                gradB += gradYPred * x[i];
                gradC += gradYPred * x[i] * x[i];
                gradD += gradYPred * x[i] * x[i] * x[i];
            }

            // Update weights
            a -= learningRate * gradA;
            b -= learningRate * gradB;
            c -= learningRate * gradC;
            d -= learningRate * gradD;
        }
        out.println("Result: y = " + Py.str(a) + " + " + Py.str(b) + " x + " + Py.str(c) + " x^2 + " + Py.str(d) + " x^3");
        return new double[] {a, b, c, d};
    }
}
