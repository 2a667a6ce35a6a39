package usercode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Function;
import dev.kiln.KilnException;
import dev.kiln.Tensor;
import dev.kiln.io.Checkpoint;
import dev.kiln.io.Safetensors;
import dev.kiln.model.Model;
import dev.kiln.model.Models;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's own exception, thrown inside Kiln's calls into user code, reaches the user with its stack trace. */
public class CauseChainTest {
    /** A {@code @Model} whose constructor fails with a checked exception. */
    @Model
    public static class Broken extends Module {
        public Broken() throws IOException {
            throw new IOException("weights.bin is missing");
        }
    }

    @Test
    void aModelConstructorsCheckedExceptionIsTheCause() {
        KilnException e = assertThrows(KilnException.class, () -> Models.create(Broken.class));
        IOException cause = assertInstanceOf(IOException.class, e.getCause());
        assertEquals("weights.bin is missing", cause.getMessage());
        assertEquals("Broken", cause.getStackTrace()[0].getClassName().replaceAll(".*\\$", ""), "the user's frame survives");
    }

    /** A custom function whose forward fails in the user's own code. */
    static final class Refuses extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            throw new IllegalStateException("refused by the user");
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g};
        }
    }

    @Test
    void aCustomFunctionsExceptionReachesTheUserUnchanged() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Refuses().apply(Tensor.ones(2)));
        assertEquals("refused by the user", e.getMessage());
        assertEquals(Refuses.class.getName(), e.getStackTrace()[0].getClassName());
    }

    /** An optimizer's options whose canonical constructor refuses, while {@link #refuse} is set. */
    public record Opts(double lr) implements Optimizer.Options<Opts> {
        static volatile boolean refuse;

        public Opts {
            if (refuse) {
                throw new IllegalArgumentException("Opts: refused " + lr);
            }
        }

        @Override
        public Opts withLr(double lr) {
            return new Opts(lr);
        }
    }

    /** Plain gradient descent with {@link Opts}. */
    static final class Plain extends Optimizer<Opts> {
        Plain(List<Tensor> params) {
            super(List.of(new ParamGroup<>(params, new Opts(0.1))));
        }

        @Override
        protected Map<String, Tensor> initialState(Tensor p, Opts o) {
            return Map.of();
        }

        @Override
        protected Update update(Tensor p, Tensor grad, Map<String, Tensor> state, ParamGroup<Opts> g) {
            return new Update(p.sub(grad.mul(g.hyper("lr"))), state);
        }
    }

    @Test
    void anOptionsRecordsExceptionOnCheckpointLoadIsTheCause(@TempDir Path dir) {
        Linear model = new Linear(2, 1);
        Plain opt = new Plain(model.parameters());
        Path file = dir.resolve("ckpt.safetensors");
        Checkpoint.save(file, model, opt);
        Opts.refuse = true;
        try {
            KilnException e = assertThrows(KilnException.class, () -> Checkpoint.load(file, model, opt));
            IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertEquals("Opts: refused 0.1", cause.getMessage());
            assertEquals(Opts.class.getName(), cause.getStackTrace()[0].getClassName());
            assertTrue(e.getMessage().contains("CauseChainTest.java:"), e.getMessage());
        } finally {
            Opts.refuse = false;
        }
    }

    @Test
    void anIoFailureIsTheCause(@TempDir Path dir) throws IOException {
        Path notAFile = Files.createDirectory(dir.resolve("d"));
        KilnException e = assertThrows(KilnException.class, () -> Safetensors.load(notAFile));
        assertInstanceOf(IOException.class, e.getCause());
    }
}
