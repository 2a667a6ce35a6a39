package dev.kiln.processor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.model.Forward;
import dev.kiln.model.Model;
import dev.kiln.model.Models;
import dev.kiln.model.Param;
import dev.kiln.nn.Module;
import org.junit.jupiter.api.Test;

/**
 * This module's tests compile without the processor on the processor path (javac since JDK 23 runs
 * none from the class path by default), so this @Model class has no generated subclass: creating it
 * fails at once, saying how to make the processor run — never a half-built model.
 */
class WithoutTheProcessorTest {
    @Model
    abstract static class Unprocessed extends Module {
        @Param
        Tensor a;

        @Forward
        @Override
        public Tensor forward(Tensor x) {
            return x.mul(a);
        }
    }

    @Test
    void createNamesTheFix() {
        KilnException e = assertThrows(KilnException.class, () -> Models.create(Unprocessed.class));
        assertTrue(e.getMessage().contains("no generated class dev.kiln.processor.WithoutTheProcessorTest_UnprocessedModel")
                && e.getMessage().contains("annotation processor path") && e.getMessage().contains("-proc:full"), e.getMessage());
        KilnException notModel = assertThrows(KilnException.class, () -> Models.create(Module.class));
        assertTrue(notModel.getMessage().contains("is not a @Model class"), notModel.getMessage());
    }
}
