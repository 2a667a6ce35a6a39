package dev.kiln.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Facts the docs state about the code, read from the code: where a class lives, what graph-ir exports. */
class DocsFactsTest {
    private static final Path ROOT = Path.of("..");

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** "`GradCheck` (`dev.kiln.testing`)": the class is in that package. */
    @Test
    void everyClassNamedWithItsPackageIsThere() throws IOException {
        Pattern named = Pattern.compile("`([A-Z][A-Za-z0-9]*)` \\(`(dev\\.kiln[a-z0-9.]*)`\\)");
        int checked = 0;
        for (Path page : pages()) {
            Matcher m = named.matcher(Files.readString(page));
            while (m.find()) {
                String name = m.group(2) + "." + m.group(1);
                try {
                    Class.forName(name, false, getClass().getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new AssertionError(page + " says " + m.group() + ", but there is no class " + name, e);
                }
                checked++;
            }
        }
        assertTrue(checked > 0, "the pattern found nothing to check");
    }

    /** docs/embedding.md lists the API packages kiln-runtime-cpu brings: exactly graph-ir's unqualified exports. */
    @Test
    void theEmbeddingPagesPackageListIsGraphIrsExports() throws IOException {
        TreeSet<String> exported = new TreeSet<>();
        Matcher e = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+)\\s*;").matcher(
                Files.readString(ROOT.resolve("graph-ir/src/main/java/module-info.java")));
        while (e.find()) {
            exported.add(e.group(1));
        }
        String page = Files.readString(ROOT.resolve("docs/embedding.md"));
        Matcher list = Pattern.compile("It brings `kiln-graph-ir` \\(the API: ([^)]*)\\)").matcher(page);
        assertTrue(list.find(), "docs/embedding.md no longer says what kiln-graph-ir brings");
        TreeSet<String> listed = new TreeSet<>();
        Matcher p = Pattern.compile("`([\\w.]+)`").matcher(list.group(1));
        while (p.find()) {
            listed.add(p.group(1));
        }
        assertEquals(exported, listed, "docs/embedding.md's package list");
    }

    /** Custom functions in Kiln.compile and @Model classes exist: nn-optim.md must not promise them for later. */
    @Test
    void theNnPageDoesNotPromiseWhatExists() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/nn-optim.md"));
        assertFalse(page.contains("come with the compiler issue"), "custom functions in Kiln.compile work today");
        assertFalse(page.contains("(a later issue)"), "the @Model processor exists");
        assertTrue(page.contains("(models.md)"), "nn-optim.md points at the @Model page");
    }
}
