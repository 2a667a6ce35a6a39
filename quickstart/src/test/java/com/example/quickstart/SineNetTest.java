package com.example.quickstart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Kiln;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import org.junit.jupiter.api.Test;

class SineNetTest {
    @Test
    void trainingFitsTheSine() {
        Kiln.manualSeed(0);
        SineNet model = SineNetModel.create();
        double first = Train.train(model, 1, false);
        double last = Train.train(model, 300, false);
        assertTrue(last < first / 10, "the loss fell from " + first + " to " + last);
    }

    @Test
    void theCompiledForwardGivesTheEagerOne() {
        SineNetModel model = SineNetModel.create();
        Tensor x = Train.inputs();
        try (var _ = Kiln.noGrad()) {
            assertArrayEquals(model.forward(x).toFloatArray(), model.compiledForward().call(x).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void aBatchOfTheWrongShapeIsRefused() {
        SineNet model = SineNetModel.create();
        KilnException e = assertThrows(KilnException.class, () -> model.forward(Tensor.ones(4, 2)));
        assertTrue(e.getMessage().contains("dimension 1 of argument 'x' must be 1, got 2"), e.getMessage());
    }
}
