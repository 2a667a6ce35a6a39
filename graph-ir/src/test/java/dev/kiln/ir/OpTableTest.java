package dev.kiln.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/architecture.md's table of primitives names exactly the records of the sealed {@link Op} hierarchy, by family. */
class OpTableTest {
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `(\\w+)` \\| ((?:`\\w+`(?:, )?)+) \\|$");
    private static final Pattern NAME = Pattern.compile("`(\\w+)`");

    @Test
    void theTableNamesEveryPrimitive() throws IOException {
        Map<String, TreeSet<String>> code = new TreeMap<>();
        for (Class<?> type : Op.class.getPermittedSubclasses()) {
            families(type, code);
        }
        String page = Files.readString(Path.of("../docs/architecture.md"));
        int start = page.indexOf("| family | primitives |");
        assertTrue(start >= 0, "docs/architecture.md has no table of primitives");
        String block = page.substring(start, page.indexOf("\n\n", start));
        Map<String, TreeSet<String>> table = new TreeMap<>();
        Matcher row = ROW.matcher(block);
        while (row.find()) {
            TreeSet<String> names = new TreeSet<>();
            Matcher n = NAME.matcher(row.group(2));
            while (n.find()) {
                names.add(n.group(1));
            }
            table.put(row.group(1), names);
        }
        assertEquals(block.split("\n").length - 2, table.size(), "every row of the table reads as | `Family` | `A`, `B` |");
        assertEquals(code, table, "docs/architecture.md's table of primitives against the sealed Op hierarchy");
    }

    /**
     * A record is its own family; a sealed type whose permitted types are all records is a family of them;
     * a sealed type over families ({@code Elementwise}) only groups them.
     */
    private static void families(Class<?> type, Map<String, TreeSet<String>> into) {
        if (type.isRecord()) {
            into.put(type.getSimpleName(), new TreeSet<>(List.of(type.getSimpleName())));
            return;
        }
        Class<?>[] permitted = type.getPermittedSubclasses();
        assertTrue(permitted != null, type + " is neither a record nor sealed");
        if (Arrays.stream(permitted).allMatch(Class::isRecord)) {
            into.put(type.getSimpleName(), new TreeSet<>(Arrays.stream(permitted).map(Class::getSimpleName).toList()));
        } else {
            for (Class<?> c : permitted) {
                families(c, into);
            }
        }
    }
}
