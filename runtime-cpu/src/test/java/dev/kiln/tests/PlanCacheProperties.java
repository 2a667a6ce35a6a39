package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.CompiledFunction;
import dev.kiln.DType;
import dev.kiln.Kiln;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.optim.SGD;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/** Plans are compiled exactly when the traced structure is new, never for a new learning rate or new data. */
class PlanCacheProperties {
    @Test
    void dynamicModeCompilesOncePerDistinctStructure() {
        Gen<List<Integer>> sequences = SourceDSL.lists().of(Generate.range(0, 3)).ofSizeBetween(1, 25);
        Gen<List<Integer>> learningRates = SourceDSL.lists().of(Generate.range(1, 1000)).ofSize(25);
        Props.check("plans per structure", 40, sequences.zip(learningRates, (s, l) -> List.of(s, l)), pair -> {
            List<Integer> structure = pair.get(0);
            List<Integer> lrs = pair.get(1);
            Tensor w = Tensor.scalar(0.5).requiresGrad_(true);
            SGD opt = new SGD(List.of(w), 0.01, 0.9);
            int[] terms = {0};
            CompiledFunction f = Kiln.compile(in -> {
                Tensor y = in[0].mul(w);
                for (int k = 0; k < terms[0]; k++) {
                    y = y.add(in[0].pow(2 + k).mul(w));
                }
                Tensor loss = y.sum();
                opt.zeroGrad();
                loss.backward();
                opt.step();
                return loss;
            }, CompiledFunction.Mode.DYNAMIC);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < structure.size(); i++) {
                terms[0] = structure.get(i);
                seen.add(terms[0]);
                opt.setLr(lrs.get(i) * 1e-5);
                f.call(Tensor.randn(Shape.of(7), DType.FLOAT32, new dev.kiln.Generator(i)));
                assertEquals(seen.size(), f.compilations(), "after structures " + structure.subList(0, i + 1));
            }
        });
    }

    @Test
    void staticModeNeverRecompilesForNewValues() {
        Gen<List<Integer>> learningRates = SourceDSL.lists().of(Generate.range(1, 1000)).ofSizeBetween(1, 20);
        Props.check("static plan reused", 30, learningRates, lrs -> {
            Tensor w = Tensor.ones(3).requiresGrad_(true);
            SGD opt = new SGD(List.of(w), SGD.Options.lr(0.1).withMomentum(0.5).withNesterov(true));
            CompiledFunction f = Kiln.compile(in -> {
                opt.zeroGrad();
                Tensor loss = in[0].mul(w).pow(2).sum();
                loss.backward();
                opt.step();
                return loss;
            });
            for (int i = 0; i < lrs.size(); i++) {
                opt.setLr(lrs.get(i) * 1e-4);
                f.call(Tensor.randn(Shape.of(3), DType.FLOAT32, new dev.kiln.Generator(i)));
            }
            assertEquals(1, f.compilations());
        });
    }
}
