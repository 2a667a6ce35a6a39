package dev.kiln.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/onnx.md's operator table lists exactly the operators the importer accepts. */
class OnnxDocsTest {
    @Test
    void theOperatorTableIsTheImportersList() throws IOException {
        String page = Files.readString(Path.of("..", "docs", "onnx.md"));
        String table = page.substring(page.indexOf("| operator | opsets | notes |"), page.indexOf("Element types:"));
        TreeSet<String> listed = new TreeSet<>();
        for (String row : table.split("\n")) {
            String[] cells = row.split("\\|");
            if (cells.length > 1) {
                Matcher m = Pattern.compile("`(\\w+)`").matcher(cells[1]);
                while (m.find()) {
                    listed.add(m.group(1));
                }
            }
        }
        assertEquals(new TreeSet<>(Operators.SPECS.keySet()), listed);
    }
}
