package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** char-gpt on Debian's fortunes (skipped, naming the package, when it is not installed). */
class CharGptSampleTest {
    static Fortunes text;

    @BeforeAll
    static void dataset() {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of(Fortunes.DEFAULT_ROOT, "fortunes")),
                "fortunes is not installed: apt-get install --no-install-recommends " + Fortunes.DEBIAN_PACKAGE);
        text = Fortunes.load(Path.of(Fortunes.DEFAULT_ROOT));
    }

    @Test
    void compiledTrainingLowersValidationLoss() {
        CharGptSample.Options o = small();
        o.compiled = true;
        long t0 = System.nanoTime();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CharGptSample.Result r = CharGptSample.run(new PrintStream(buf, true, StandardCharsets.UTF_8), o, text, Progress.NONE);
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out + "took " + (System.nanoTime() - t0) / 1e9 + " s\n");
        assertEquals(o.iters, r.stepLosses().size());
        assertTrue(r.lastVal() < 10, out);
    }

    static CharGptSample.Options small() {
        CharGptSample.Options o = new CharGptSample.Options();
        o.iters = 300;
        o.layers = 2;
        o.heads = 4;
        o.embd = 64;
        o.block = 32;
        o.batch = 12;
        o.evalInterval = 100;
        o.evalIters = 10;
        o.warmup = 30;
        o.tokens = 100;
        return o;
    }
}
