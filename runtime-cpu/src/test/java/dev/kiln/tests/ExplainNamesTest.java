package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.CompiledFunction;
import dev.kiln.Kiln;
import dev.kiln.Tensor;
import dev.kiln.nn.BatchNorm1d;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MSELoss;
import dev.kiln.nn.Module;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kiln.explain names captured parameters, buffers and optimizer state by their place, as state dicts do. */
class ExplainNamesTest {
    static final class Net extends Module {
        final Linear fc1 = module("fc1", new Linear(3, 5));
        final BatchNorm1d bn = module("bn", new BatchNorm1d(5));
        final Linear fc2 = module("fc2", new Linear(5, 1));

        @Override
        public Tensor forward(Tensor x) {
            return fc2.forward(bn.forward(fc1.forward(x)).relu());
        }
    }

    @Test
    void parametersBuffersAndOptimizerStateAreNamedByTheirPlace() {
        Kiln.manualSeed(1);
        Net net = new Net();
        Adam adam = new Adam(net.parameters(), Adam.Options.lr(1e-3));
        MSELoss loss = new MSELoss();
        CompiledFunction step = Kiln.compile(in -> {
            adam.zeroGrad();
            Tensor l = loss.forward(net.forward(in[0]), in[1]);
            l.backward();
            adam.step();
            return l;
        });
        step.apply(Tensor.randn(8, 3), Tensor.randn(8, 1));
        String text = Kiln.explain(step);
        for (String name : List.of("fc1.weight", "fc1.bias", "fc2.weight", "bn.running_mean", "bn.running_var",
                "bn.num_batches_tracked", "optimizer.state.0.exp_avg", "optimizer.state.5.exp_avg_sq",
                "optimizer.param_groups.0.lr")) {
            assertTrue(text.contains("\"" + name + "\""), name + " in\n" + text);
        }
        // what stays "captured" is library-made scalars (batch norm's momentum factor, the 1 added to num_batches_tracked)
        for (String line : text.lines().filter(l -> l.contains("\"captured\"")).toList()) {
            assertTrue(line.endsWith("[]"), "every captured input but a scalar has a place: " + line);
        }
    }

    @Test
    void tensorsOfTwoModelsAndTwoOptimizersNameTheirOwners() {
        Kiln.manualSeed(2);
        Sequential generator = new Sequential(new Linear(2, 4), new ReLU(), new Linear(4, 3));
        Net discriminator = new Net();
        SGD g = new SGD(generator.parameters(), SGD.Options.lr(0.1).withMomentum(0.9));
        SGD d = new SGD(discriminator.parameters(), SGD.Options.lr(0.1).withMomentum(0.9));
        CompiledFunction step = Kiln.compile(in -> {
            g.zeroGrad();
            d.zeroGrad();
            Tensor l = discriminator.forward(generator.forward(in[0])).sum();
            l.backward();
            g.step();
            d.step();
            return l;
        });
        step.apply(Tensor.randn(4, 2));
        String text = Kiln.explain(step);
        for (String name : List.of("Sequential.0.weight", "Sequential.2.bias", "Net.fc1.weight", "Net.bn.running_mean",
                "optimizer#1.param_groups.0.lr", "optimizer#2.param_groups.0.lr", "optimizer#1.state.0.momentum_buffer",
                "optimizer#2.state.0.momentum_buffer")) {
            assertTrue(text.contains("\"" + name + "\""), name + " in\n" + text);
        }
    }

    @Test
    void aTensorOfNoModuleStaysCaptured() {
        Tensor w = Tensor.randn(3);
        CompiledFunction f = Kiln.compile(in -> in[0].mul(w));
        f.apply(Tensor.randn(3));
        assertTrue(Kiln.explain(f).contains("\"captured\""), Kiln.explain(f));
    }
}
