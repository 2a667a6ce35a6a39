package dev.kiln.samples;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.model.Dims;
import dev.kiln.model.Forward;
import dev.kiln.model.Init;
import dev.kiln.model.Model;
import dev.kiln.model.Param;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Reduction;
import dev.kiln.nn.Module;
import dev.kiln.optim.SGD;
import java.io.PrintStream;
import java.util.Random;

/** The seed's eighth program: ordinary Java control flow in forward, and one weight shared by several terms. */
public final class DynamicSample {
    /** The fixed seed of the parameters' start and of the random number of terms. */
    public static final long SEED = 8;

    private DynamicSample() {
    }

    /**
     * A cubic plus 0, 1 or 2 more terms (x⁴, x⁵), chosen at random on every call, all sharing the
     * weight e: a {@code @Model(dynamic = true)} class (its generated {@code trainingStep} would
     * re-trace every call), created by the generated {@code DynamicSample_DynamicNetModel.create(random)}.
     */
    @Model(dynamic = true)
    abstract static class DynamicNet extends Module {
        @Param(init = Init.RANDN)
        Tensor a, b, c, d, e;
        private final Random random;

        DynamicNet(Random random) {
            this.random = random;
        }

        @Forward
        @Override
        public Tensor forward(@Dims("N") Tensor x) {
            Tensor y = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
            // Python's random.randint(4, 6) includes 6; range(4, k) then adds k - 4 terms.
            // (The seed's docstring says "4 or 5"; the code gives 0, 1 or 2 extra terms.)
            int last = 4 + random.nextInt(3);
            for (int exp = 4; exp < last; exp++) {
                y = y.add(e.mul(x.pow(exp)));
            }
            return y;
        }

        String string() {
            return "y = " + Py.str(a.item()) + " + " + Py.str(b.item()) + " x + " + Py.str(c.item()) + " x^2 + "
                    + Py.str(d.item()) + " x^3 + " + Py.str(e.item()) + " x^4 ? + " + Py.str(e.item()) + " x^5 ?";
        }
    }

    public static void main(String[] args) {
        run(System.out, Samples.compiled(args), Samples.steps(args, STEPS));
    }

    /** The training steps the seed runs. */
    public static final int STEPS = 30000;

    /** Trains and prints; returns the model. */
    public static Module run(PrintStream out, boolean compiled) {
        return run(out, compiled, STEPS);
    }

    /** As {@link #run(PrintStream, boolean)}, for {@code steps} training steps ({@code --steps N}: a short run, as the tests on a device make). */
    public static Module run(PrintStream out, boolean compiled, int steps) {
        Kiln.manualSeed(SEED);

        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();

        DynamicNet model = DynamicSample_DynamicNetModel.create(new Random(SEED));

        // Plain SGD struggles with this model, so it uses momentum
        MSELoss criterion = new MSELoss(Reduction.SUM);
        SGD optimizer = new SGD(model.parameters(), 1e-8, 0.9);
        // One training step. With --compiled it is traced again on every call (forward draws a random
        // number of terms), and the compiled plan is found by the trace's structure: three plans in all
        Step step = inputs -> {
            Tensor yPred = model.forward(x);

            Tensor loss = criterion.forward(yPred, y);

            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            return loss;
        };
        Step train = compiled ? Kiln.compile(step, CompiledFunction.Mode.DYNAMIC) : step;
        for (int t = 0; t < steps; t++) {
            Tensor loss = train.apply();
            if (t % 2000 == 1999) {
                out.println(t + " " + Py.str(loss.item()));
            }
        }
        out.println("Result: " + model.string());
        return model;
    }
}
