package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A visible size budget (shared/STYLE.md): no main source file of any module over 600 lines of code, and
 * {@code Tensor.java} (one-line delegations of the whole API) up to 900. Lines of code, as tinygrad's
 * line count has it: blank lines and comments (the API's Javadoc) are not counted.
 */
class FileSizeTest {
    private static final int BUDGET = 600;
    /** Tensor.java is the whole API surface, one short method per op: its own budget. */
    private static final Map<String, Integer> CEILINGS = Map.of("dev/kiln/Tensor.java", 900);

    @Test
    void mainSourcesStayWithinTheBudget() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Map<String, Integer> over = new TreeMap<>();
        int files = 0;
        for (String module : new String[] {"graph-ir", "codegen", "runtime-cpu", "runtime-cuda", "samples"}) {
            Path src = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(src)) {
                for (Path p : paths.filter(f -> f.toString().endsWith(".java")).toList()) {
                    files++;
                    int lines = lines(p);
                    String name = src.relativize(p).toString().replace('\\', '/');
                    int allowed = CEILINGS.getOrDefault(name, BUDGET);
                    if (lines > allowed) {
                        over.put(name, lines);
                    }
                }
            }
        }
        assertTrue(files > 100, "found the sources (" + files + " files under " + root + ")");
        assertEquals(Map.of(), over, "files over " + BUDGET + " lines (or over their recorded ceiling): split them");
    }

    /** Lines that hold code: not blank, not a line comment, not inside a block comment. */
    static int lines(Path p) {
        try (Stream<String> s = Files.lines(p)) {
            return codeLines(s.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int codeLines(java.util.List<String> lines) {
        int code = 0;
        boolean inComment = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (inComment) {
                inComment = !line.contains("*/");
                if (inComment || line.endsWith("*/")) {
                    continue;
                }
                code++; // code after the comment's end on the same line
            } else if (line.startsWith("/*")) {
                inComment = !line.contains("*/");
            } else if (!line.isEmpty() && !line.startsWith("//")) {
                code++;
            }
        }
        return code;
    }

    @Test
    void commentsAndBlankLinesAreNotCounted() {
        assertEquals(2, codeLines(java.util.List.of("/**", " * Docs.", " */", "class A {", "", "    // why", "    /* one */", "}")));
        assertEquals(1, codeLines(java.util.List.of("/* a", "b */ int x;")));
    }
}
