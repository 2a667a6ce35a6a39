package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.DType;
import dev.kiln.Generator;
import dev.kiln.Kiln;
import dev.kiln.Step;
import dev.kiln.Tensor;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Functional;
import dev.kiln.nn.LSTM;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.optim.Adam;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * char-lstm: a 2-layer LSTM character model on Debian's fortunes, trained compiled in float64 from PyTorch's
 * initial weights on char-gpt's batches; each step's loss equals nn.LSTM's (make_lstm_fixture.py) to 1e-10.
 */
class CharLstmTest {
    static final class CharLstm extends Module {
        final Embedding embed;
        final LSTM lstm;
        final Linear head;

        CharLstm(int vocab) {
            Generator g = new Generator(0);
            embed = module("embed", new Embedding(vocab, 16, DType.FLOAT64));
            lstm = module("lstm", new LSTM(16, 32, 2, true, true, 0.0, false, g, DType.FLOAT64));
            head = module("head", new Linear(32, vocab, true, g, DType.FLOAT64));
        }

        @Override
        public Tensor forward(Tensor x) {
            return head.forward(lstm.forward(embed.forward(x)));
        }
    }

    @Test
    void compiledTrainingMatchesPyTorchsLstm(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of(Fortunes.DEFAULT_ROOT, "art")), // the whole package, not fortunes-min alone
                "fortunes is not installed: apt-get install --no-install-recommends " + Fortunes.DEBIAN_PACKAGE);
        Fortunes text = Fortunes.load(Path.of(Fortunes.DEFAULT_ROOT));
        Path fixture = dir.resolve("char_lstm.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/chargpt/char_lstm.safetensors")) {
            Files.copy(in, fixture);
        }
        Map<String, Tensor> torch = new java.util.HashMap<>(Safetensors.load(fixture));
        double[] expected = torch.remove("losses").toDoubleArray();
        int vocab = text.vocabSize();
        CharLstm model = new CharLstm(vocab);
        model.loadStateDict(torch, true);
        Adam opt = new Adam(model.parameters(), Adam.Options.lr(1e-2));
        Step step = Kiln.compile(in -> {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(in[0]).reshape(-1, vocab), in[1].reshape(-1));
            loss.backward();
            opt.step();
            return loss;
        });
        int[] train = CharGptSample.split(text)[0];
        Generator g = new Generator(1337);
        for (int i = 0; i < expected.length; i++) {
            double loss = step.apply(CharGptSample.batch(train, 4, 16, g)).item();
            assertEquals(expected[i], loss, 1e-10 * Math.abs(expected[i]), "step " + (i + 1));
        }
    }
}
