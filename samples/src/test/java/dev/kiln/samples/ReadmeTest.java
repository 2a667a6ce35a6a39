package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's code is real: its snippet must appear verbatim in the sample it quotes. */
class ReadmeTest {
    @Test
    void readmeSnippetIsTheAutogradSamplesCode() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("```java\n") + "```java\n".length();
        String snippet = readme.substring(start, readme.indexOf("```", start));
        String source = Files.readString(Path.of("src/main/java/dev/kiln/samples/AutogradSample.java"));
        assertTrue(snippet.length() > 200, snippet);
        assertTrue(source.contains(snippet), "README snippet is not in AutogradSample.java:\n" + snippet);
    }
}
